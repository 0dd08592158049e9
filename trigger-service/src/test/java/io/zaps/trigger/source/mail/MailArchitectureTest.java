package io.zaps.trigger.source.mail;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The email trigger's decisions (where to start, filters, backoff, ids) are pure: no mail, Kafka, Spring or files. */
class MailArchitectureTest {
    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.zaps.trigger.source.mail");

    @Test
    void mailbox_decisions_are_pure() {
        noClasses().that().haveSimpleNameStartingWith("MailboxPlan").or().haveSimpleName("MessageFilter")
                .or().haveSimpleName("PollBackoff").or().haveSimpleName("MailEventIds").or().haveSimpleName("MailboxCursor")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.mail..", "org.eclipse.angus..",
                        "org.springframework..", "org.apache.kafka..", "io.zaps.kafka..", "io.zaps.store..", "java.nio.file..")
                .check(classes);
    }
}
