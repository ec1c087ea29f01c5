package io.tilewise.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code ```java} block of the README is a complete compilation unit (imports and a class) that compiles
 * against what a media app gets from depending on {@code pipeline} — this module's class path — without extra javac
 * flags, as the README says. A snippet that drifts from the API fails here.
 */
class ReadmeSnippetsTest {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\R(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS_NAME = Pattern.compile("public (?:final )?class (\\w+)");

    @TempDir
    Path dir;

    @Test
    void everyJavaSnippetOfTheReadmeCompiles() throws IOException {
        Path readme = Path.of("..", "README.md");   // Surefire runs in the module's directory
        List<String> snippets = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(Files.readString(readme));
        while (m.find()) snippets.add(m.group(1));
        assertTrue(snippets.size() >= 3, "README java snippets found: " + snippets.size());

        List<Path> sources = new ArrayList<>();
        for (String snippet : snippets) {
            Matcher name = CLASS_NAME.matcher(snippet);
            assertTrue(name.find(), "a README snippet is not a complete class:\n" + snippet);
            Path file = dir.resolve(name.group(1) + ".java");
            assertTrue(!Files.exists(file), "two README snippets declare " + name.group(1));
            Files.writeString(file, snippet);
            sources.add(file);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "tests run on a JDK");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, null)) {
            Path classes = Files.createDirectories(dir.resolve("classes"));
            List<String> options = List.of("-proc:none", "-Xlint:none", "-d", classes.toString(),
                    "-cp", System.getProperty("java.class.path"));
            boolean ok = javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjectsFromPaths(sources)).call();
            assertEquals(List.of(), diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR)
                    .map(d -> d.getSource().getName() + ":" + d.getLineNumber() + ": " + d.getMessage(null)).toList());
            assertTrue(ok);
        }
    }
}
