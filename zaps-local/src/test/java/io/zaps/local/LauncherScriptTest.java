package io.zaps.local;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code zaps} script's choice of how to start the launcher (docs/architecture.md, "Restarts"): extracted once per
 * build, a class-data archive (an AOT cache on JDK 25+) trained once per build, JVM and JVM options, and a start without
 * one when it cannot be had. The real script runs in a copy of the repository's layout, with a {@code java} on the PATH that only records
 * its arguments and does what the script relies on (extracts into the named folder, writes the named archive);
 * {@code ./zaps up} with the real JVM is measured in docs/benchmarks.md (session 12).
 */
class LauncherScriptTest {
    private static final Path SCRIPT = Path.of("..", "zaps").toAbsolutePath().normalize();
    private static final String FAKE_JAVA = """
            #!/usr/bin/env bash
            # records its arguments in java.log beside it (the training run gets an emptied environment); -version prints
            # FAKE_JAVA_VERSION; extract and training runs do what the real ones leave, or fail as asked
            here="$(dirname "$0")"
            echo "$*" >> "$here/java.log"
            if [ "$1" = -version ]; then echo "openjdk version \\"${FAKE_JAVA_VERSION:-17.0.15}\\"" >&2; exit 0; fi
            archive=; tools=; destination=; previous=
            for arg in "$@"; do
              case "$arg" in
                -Djarmode=tools) tools=1 ;;
                -XX:ArchiveClassesAtExit=*|-XX:AOTCacheOutput=*) archive="${arg#*=}" ;;
              esac
              [ "$previous" = --destination ] && destination="$arg"
              previous="$arg"
            done
            if [ -n "$tools" ]; then
              [ -n "${FAKE_EXTRACT_FAILS:-}" ] && exit 1
              mkdir -p "$destination/lib" && echo application > "$destination/zaps-local.jar"; exit 0
            fi
            if [ -n "$archive" ]; then
              env | grep '^ZAPS_' > "$here/training.env"
              [ -e "$here/training-fails" ] && { echo "training failed" >&2; exit 1; }
              echo "zaps: training run ready in 1.0 s"; echo archive > "$archive"; exit 0
            fi
            exit 0
            """;

    @TempDir
    Path root;
    @TempDir
    Path bin;
    Path javaLog;
    final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void layout() throws IOException {
        Files.copy(SCRIPT, root.resolve("zaps"));
        Files.createDirectories(root.resolve("zaps-local/target"));
        Files.writeString(root.resolve("zaps-local/target/zaps-local.jar"), "the launcher as built");
        for (String tool : List.of("java", "mvn")) {
            Path file = bin.resolve(tool);
            Files.writeString(file, tool.equals("java") ? FAKE_JAVA : "#!/usr/bin/env bash\necho \"mvn must not run here\" >&2\nexit 1\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        javaLog = bin.resolve("java.log");
    }

    @Test
    void aFirstStartExtractsTheLauncherTrainsAnArchiveAndStartsWithIt() throws Exception {
        List<String> calls = up();

        assertThat(calls).filteredOn(call -> call.contains("-Djarmode=tools"))
                .containsExactly("-Djarmode=tools -jar zaps-local/target/zaps-local.jar extract --destination zaps-local/target/app");
        assertThat(calls).filteredOn(call -> call.contains("ArchiveClassesAtExit")).containsExactly(
                "-Xms256m -Xmx1g -XX:MaxNewSize=192m -XX:+UseParallelGC -XX:ArchiveClassesAtExit=zaps-local/target/app/zaps-local.jsa"
                        + " -jar zaps-local/target/app/zaps-local.jar train");
        assertThat(last(calls)).isEqualTo("-Xms256m -Xmx1g -XX:MaxNewSize=192m -XX:+UseParallelGC"
                + " -XX:SharedArchiveFile=zaps-local/target/app/zaps-local.jsa -jar zaps-local/target/app/zaps-local.jar up --verbose");
    }

    @Test
    void theTrainingRunSeesNoZapsSettingsThatWouldPointItAtTheRealDataFolderOrKafka() throws Exception {
        env.put("ZAPS_DATA_DIR", root.resolve("data").toString());
        env.put("ZAPS_BOOTSTRAP_SERVERS", "kafka.example:9092");
        env.put("ZAPS_HTTP_PORT", "8080");

        List<String> calls = up();

        assertThat(calls).filteredOn(call -> call.contains("ArchiveClassesAtExit")).hasSize(1);
        assertThat(bin.resolve("training.env")).isEmptyFile();
    }

    @Test
    void onJdk25AndLaterTheTrainingRunWritesAnAotCacheAndTheStartUsesIt() throws Exception {
        env.put("FAKE_JAVA_VERSION", "25");

        List<String> calls = up();

        assertThat(calls).filteredOn(call -> call.contains("AOTCacheOutput")).containsExactly(
                "-Xms256m -Xmx1g -XX:MaxNewSize=192m -XX:+UseParallelGC -XX:AOTCacheOutput=zaps-local/target/app/zaps-local.aot"
                        + " -jar zaps-local/target/app/zaps-local.jar train");
        assertThat(calls).noneMatch(call -> call.contains("ArchiveClassesAtExit"));
        assertThat(last(calls)).isEqualTo("-Xms256m -Xmx1g -XX:MaxNewSize=192m -XX:+UseParallelGC"
                + " -XX:AOTCache=zaps-local/target/app/zaps-local.aot -jar zaps-local/target/app/zaps-local.jar up --verbose");

        Files.delete(javaLog);
        env.put("FAKE_JAVA_VERSION", "17.0.15");
        calls = up();
        assertThat(calls).filteredOn(call -> call.contains("ArchiveClassesAtExit")).hasSize(1);
        assertThat(last(calls)).contains("-XX:SharedArchiveFile=zaps-local/target/app/zaps-local.jsa").doesNotContain("AOTCache");
        assertThat(root.resolve("zaps-local/target/app/zaps-local.aot")).doesNotExist();
    }

    @Test
    void laterStartsReuseTheExtractedLauncherAndItsArchive() throws Exception {
        up();
        Files.delete(javaLog);

        List<String> calls = up();

        assertThat(calls).noneMatch(call -> call.contains("-Djarmode=tools") || call.contains("ArchiveClassesAtExit"));
        assertThat(last(calls)).contains("-XX:SharedArchiveFile=zaps-local/target/app/zaps-local.jsa -jar zaps-local/target/app/zaps-local.jar up");
    }

    @Test
    void aRebuiltLauncherIsExtractedAndTrainedAgain() throws Exception {
        up();
        Files.delete(javaLog);
        Files.setLastModifiedTime(root.resolve("zaps-local/target/zaps-local.jar"), FileTime.from(Instant.now().plusSeconds(60)));

        List<String> calls = up();

        assertThat(calls).filteredOn(call -> call.contains("-Djarmode=tools")).hasSize(1);
        assertThat(calls).filteredOn(call -> call.contains("ArchiveClassesAtExit")).hasSize(1);
        assertThat(last(calls)).contains("-XX:SharedArchiveFile=zaps-local/target/app/zaps-local.jsa");
    }

    @Test
    void anotherJvmOrOtherJvmOptionsTrainAgainWithoutExtractingAgain() throws Exception {
        up();
        Files.delete(javaLog);
        env.put("FAKE_JAVA_VERSION", "17.0.16");

        List<String> calls = up();
        assertThat(calls).noneMatch(call -> call.contains("-Djarmode=tools"));
        assertThat(calls).filteredOn(call -> call.contains("ArchiveClassesAtExit")).hasSize(1);

        Files.delete(javaLog);
        env.put("ZAPS_JAVA_OPTS", "-Xmx2g");
        calls = up();
        assertThat(calls).filteredOn(call -> call.contains("ArchiveClassesAtExit"))
                .containsExactly("-Xmx2g -XX:ArchiveClassesAtExit=zaps-local/target/app/zaps-local.jsa -jar zaps-local/target/app/zaps-local.jar train");
        assertThat(last(calls)).startsWith("-Xmx2g -XX:SharedArchiveFile=");
    }

    @Test
    void aFailedTrainingRunStartsWithoutAnArchiveAndIsNotRepeatedForTheSameBuild() throws Exception {
        Files.createFile(bin.resolve("training-fails"));
        List<String> calls = up();
        assertThat(calls).filteredOn(call -> call.contains("ArchiveClassesAtExit")).hasSize(1);
        assertThat(last(calls)).isEqualTo("-Xms256m -Xmx1g -XX:MaxNewSize=192m -XX:+UseParallelGC -jar zaps-local/target/app/zaps-local.jar up --verbose");
        assertThat(root.resolve("zaps-local/target/app/training.log")).content().contains("training failed");

        Files.delete(javaLog);
        calls = up();
        assertThat(calls).noneMatch(call -> call.contains("ArchiveClassesAtExit"));
        assertThat(last(calls)).doesNotContain("SharedArchiveFile").endsWith("-jar zaps-local/target/app/zaps-local.jar up --verbose");
    }

    @Test
    void withCdsOffNothingIsTrainedAndTheExtractedLauncherStartsWithoutAnArchive() throws Exception {
        env.put("ZAPS_CDS", "off");

        List<String> calls = up();

        assertThat(calls).noneMatch(call -> call.contains("ArchiveClassesAtExit") || call.contains("SharedArchiveFile"));
        assertThat(last(calls)).endsWith("-jar zaps-local/target/app/zaps-local.jar up --verbose");
    }

    @Test
    void whenTheLauncherCannotBeExtractedItStartsFromTheJarAsBuilt() throws Exception {
        env.put("FAKE_EXTRACT_FAILS", "1");

        List<String> calls = up();

        assertThat(calls).noneMatch(call -> call.contains("ArchiveClassesAtExit"));
        assertThat(last(calls)).isEqualTo("-Xms256m -Xmx1g -XX:MaxNewSize=192m -XX:+UseParallelGC -jar zaps-local/target/zaps-local.jar up --verbose");
        assertThat(root.resolve("zaps-local/target/app")).doesNotExist();
    }

    /** Runs {@code ./zaps up --verbose} in the copy; returns the fake JVM's calls, one line each, in order. */
    private List<String> up() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", root.resolve("zaps").toString(), "up", "--verbose").directory(root.toFile());
        builder.environment().remove("ZAPS_JAVA_OPTS");
        builder.environment().remove("ZAPS_CDS");
        builder.environment().putAll(env);
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Path output = Files.createTempFile(bin, "zaps", ".out");
        Process process = builder.redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("./zaps up finished").isTrue();
        assertThat(process.exitValue()).as(Files.readString(output, StandardCharsets.UTF_8)).isZero();
        return new ArrayList<>(Files.readAllLines(javaLog, StandardCharsets.UTF_8));
    }

    private static String last(List<String> calls) {
        return calls.get(calls.size() - 1);
    }
}
