package io.zaps.trigger;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

class ArchitectureTest {
    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.zaps.trigger");

    @Test
    void intake_decision_is_pure() {
        noClasses().that().resideInAPackage("io.zaps.trigger.intake..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework..", "org.apache.kafka..", "io.zaps.kafka..", "io.zaps.store..", "java.nio.file..",
                        "io.zaps.trigger.consume..", "io.zaps.trigger.workflow..")
                .check(classes);
    }

    @Test
    void workflow_lookup_knows_no_kafka() {
        noClasses().that().resideInAPackage("io.zaps.trigger.workflow..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "org.apache.kafka..", "io.zaps.kafka..")
                .check(classes);
    }
}
