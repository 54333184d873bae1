package dev.twoway.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The layering of twoway-core, checked on every build (STYLE.md habit 11). */
class LayeringTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.twoway");

    @Test
    void theValueModelDependsOnNothingElseOfTwoway() {
        noClasses().that().resideInAPackage("dev.twoway.model..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.twoway.spi..", "dev.twoway.merge..",
                        "dev.twoway.engine..", "dev.twoway.store..", "dev.twoway.mapping..", "dev.twoway.expr..")
                .check(CORE);
    }

    @Test
    void theConnectorSpiDoesNotSeeTheEngineOrItsState() {
        noClasses().that().resideInAPackage("dev.twoway.spi..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.twoway.engine..", "dev.twoway.merge..", "dev.twoway.store..")
                .check(CORE);
    }

    @Test
    void mergeIsPureAndDoesNotReachIntoTheEngineOrTheStore() {
        noClasses().that().resideInAPackage("dev.twoway.merge..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.twoway.engine..", "dev.twoway.store..", "dev.twoway.spi..")
                .check(CORE);
    }

    @Test
    void packagesAreFreeOfCycles() {
        com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices().matching("dev.twoway.(*)..")
                .should().beFreeOfCycles().check(CORE);
    }

    @Test
    void mappingAndExpressionsDoNotDependOnTheEngine() {
        noClasses().that().resideInAnyPackage("dev.twoway.mapping..", "dev.twoway.expr..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.twoway.engine..", "dev.twoway.store..")
                .check(CORE);
    }

    @Test
    void theConfigReaderOnlyReadsAndNeverRunsAnything() {
        noClasses().that().resideInAPackage("dev.twoway.config..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.twoway.engine..", "dev.twoway.store..", "dev.twoway.spi..")
                .check(CORE);
    }
}
