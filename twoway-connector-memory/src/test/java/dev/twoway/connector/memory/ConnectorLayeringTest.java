package dev.twoway.connector.memory;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** A connector depends on the SPI and the value model, never on the engine (STYLE.md habit 11). */
class ConnectorLayeringTest {
    @Test
    void connectorUsesOnlyTheSpiAndTheModel() {
        noClasses().that().resideInAPackage("dev.twoway.connector..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.twoway.engine..", "dev.twoway.merge..", "dev.twoway.store..")
                .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.twoway.connector"));
    }
}
