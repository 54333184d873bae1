package dev.twoway.cli;

import dev.twoway.config.ConfigReader;
import dev.twoway.config.TwowayConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --config} option every command that needs a config takes. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "twoway.yaml",
            description = "The config file (default: ${DEFAULT-VALUE} in the current directory).")
    Path file;

    /** Reads and checks the file; a bad config is a {@link dev.twoway.config.ConfigException} (exit code 2). */
    TwowayConfig load() {
        return ConfigReader.read(file);
    }
}
