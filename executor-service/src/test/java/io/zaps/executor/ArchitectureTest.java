package io.zaps.executor;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.GeneralCodingRules.NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS;
import static com.tngtech.archunit.library.GeneralCodingRules.NO_CLASSES_SHOULD_USE_FIELD_INJECTION;

/** The run core stays a pure function: no framework, no Kafka, no files; and it knows nothing of its shell. */
@AnalyzeClasses(packages = "io.zaps.executor", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule coreIsPure = noClasses().that().resideInAPackage("io.zaps.executor.run..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.springframework..", "org.apache.kafka..", "java.io..", "java.nio.file..", "java.net..")
            .because("the run state machine is a pure function of state, command and time");

    @ArchTest
    static final ArchRule coreDoesNotKnowItsShell = noClasses().that().resideInAPackage("io.zaps.executor.run..")
            .should().dependOnClassesThat().resideInAnyPackage("io.zaps.executor.stream..", "io.zaps.executor.timer..");

    @ArchTest
    static final ArchRule coreReadsNoClock = noClasses().that().resideInAPackage("io.zaps.executor.run..")
            .should().callMethod(java.time.Instant.class, "now")
            .orShould().callMethod(System.class, "currentTimeMillis")
            .orShould().callMethod(java.util.UUID.class, "randomUUID")
            .orShould().dependOnClassesThat().areAssignableTo(java.time.Clock.class)
            .orShould().dependOnClassesThat().areAssignableTo(java.util.Random.class)
            .because("the time comes in as an argument and decisions must replay identically");

    @ArchTest
    static final ArchRule noStandardStreams = NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS;

    @ArchTest
    static final ArchRule noFieldInjection = NO_CLASSES_SHOULD_USE_FIELD_INJECTION;
}
