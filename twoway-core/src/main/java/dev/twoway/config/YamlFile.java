package dev.twoway.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a YAML file into a {@link ConfigNode} tree. Only plain YAML is accepted: no custom tags, few aliases
 * (a config has no use for them and they allow "billion laughs" documents), keys that are plain values, each key
 * once per section.
 */
public final class YamlFile {
    /** Configs are small; a file larger than this is not a config. */
    static final int MAX_BYTES = 4 * 1024 * 1024;

    private YamlFile() {
    }

    public static ConfigNode read(Path file) {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ConfigException(problem(file, 0, 0, "the file is " + Files.size(file) + " bytes; a config is at most " + MAX_BYTES,
                        "point --config at the twoway YAML file"));
            }
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (NoSuchFileException e) {
            throw new ConfigException(problem(file, 0, 0, "no such file", "create it (twoway init writes a starting config) or pass --config FILE"));
        } catch (CharacterCodingException e) {
            throw new ConfigException(problem(file, 0, 0, "the file is not UTF-8 text", "save it as UTF-8"));
        } catch (IOException e) {
            throw new ConfigException(problem(file, 0, 0, "cannot read the file: " + e.getMessage(), "check that it exists and is readable"));
        }
        return parse(file, text);
    }

    public static ConfigNode parse(Path file, String text) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(20);
        options.setAllowDuplicateKeys(true); // reported below with both lines, more helpful than SnakeYAML's error
        options.setCodePointLimit(MAX_BYTES);
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
            throw new ConfigException(problem(file, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1,
                    "not valid YAML: " + what + (e.getContext() != null ? " (" + e.getContext() + ")" : ""),
                    "check the indentation (spaces, not tabs) and quote values that contain ': ' or start with a special character"));
        } catch (YAMLException e) {
            throw new ConfigException(problem(file, 0, 0, "not valid YAML: " + e.getMessage(), null));
        }
        if (root == null) return new ConfigNode.Mapping(List.of(), new Location(file, 1, 1));
        List<ConfigProblem> problems = new ArrayList<>();
        ConfigNode tree = convert(file, root, problems, "");
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return tree;
    }

    private static ConfigNode convert(Path file, Node node, List<ConfigProblem> problems, String path) {
        Location at = location(file, node);
        if (!isStandard(node.getTag())) { // custom tags (!vault: "secondary" in SnakeYAML) and other !! tags (!!binary)
            problems.add(new ConfigProblem(at, path, "YAML tag " + node.getTag().getValue() + " is not supported", "remove the tag"));
        }
        return switch (node) {
            case ScalarNode s -> new ConfigNode.Scalar(isNull(s) ? null : s.getValue(), at);
            case SequenceNode s -> {
                List<ConfigNode> items = new ArrayList<>();
                for (int i = 0; i < s.getValue().size(); i++) items.add(convert(file, s.getValue().get(i), problems, path + "[" + i + "]"));
                yield new ConfigNode.Sequence(items, at);
            }
            case MappingNode m -> {
                List<ConfigNode.Entry> entries = new ArrayList<>();
                Map<String, Location> seen = new HashMap<>();
                for (NodeTuple t : m.getValue()) {
                    Location keyAt = location(file, t.getKeyNode());
                    if (!(t.getKeyNode() instanceof ScalarNode k) || isNull(k)) {
                        problems.add(new ConfigProblem(keyAt, path, "a key must be a plain name", "write name: value"));
                        continue;
                    }
                    String key = k.getValue();
                    String child = path.isEmpty() ? key : path + "." + key;
                    Location first = seen.putIfAbsent(key, keyAt);
                    if (first != null) {
                        problems.add(new ConfigProblem(keyAt, child, "'" + key + "' is set twice (first on line " + first.line() + ")",
                                "keep one of them"));
                        continue;
                    }
                    entries.add(new ConfigNode.Entry(key, keyAt, convert(file, t.getValueNode(), problems, child)));
                }
                yield new ConfigNode.Mapping(entries, at);
            }
            default -> {
                problems.add(new ConfigProblem(at, path, "unsupported YAML node", null));
                yield new ConfigNode.Scalar(null, at);
            }
        };
    }

    private static boolean isStandard(Tag tag) {
        return tag.equals(Tag.STR) || tag.equals(Tag.INT) || tag.equals(Tag.FLOAT) || tag.equals(Tag.BOOL) || tag.equals(Tag.NULL)
                || tag.equals(Tag.MAP) || tag.equals(Tag.SEQ) || tag.equals(Tag.TIMESTAMP)
                || tag.equals(Tag.MERGE) || tag.equals(Tag.YAML); // what plain '<<' and '=' resolve to: text here
    }

    private static boolean isNull(ScalarNode s) {
        return s.getTag().equals(Tag.NULL);
    }

    private static Location location(Path file, Node node) {
        Mark m = node.getStartMark();
        return m == null ? Location.unknown(file) : new Location(file, m.getLine() + 1, m.getColumn() + 1);
    }

    private static ConfigProblem problem(Path file, int line, int col, String message, String fix) {
        return new ConfigProblem(new Location(file, line, col), "", message, fix);
    }
}
