package io.zaps.trigger.source;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The decisions of the schedule and topic trigger sources, and which cursor wins, are pure: no Spring, no Kafka client, no files. */
class SourceArchitectureTest {
    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.zaps.trigger.source");

    @Test
    void schedule_decisions_are_pure() {
        noClasses().that().haveSimpleNameStartingWith("SchedulePlan").or().haveSimpleName("ScheduleCursor")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework..", "org.apache.kafka..", "io.zaps.kafka..", "io.zaps.store..", "java.nio.file..")
                .check(classes);
    }

    @Test
    void which_cursor_wins_is_pure() {
        noClasses().that().haveSimpleName("TriggerCursor")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework..", "org.apache.kafka..", "io.zaps.kafka..", "io.zaps.store..", "java.nio.file..")
                .check(classes);
    }

    @Test
    void topic_record_decisions_are_pure() {
        noClasses().that().haveSimpleNameStartingWith("TopicRecord").or().haveSimpleNameStartingWith("TopicTriggerDecision")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework..", "org.apache.kafka..", "io.zaps.kafka..", "io.zaps.store..", "java.nio.file..")
                .check(classes);
    }
}
