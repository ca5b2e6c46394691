package org.metricopt.driver.jupyter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;

/**
 * Evaluates notebook cells as Java with JShell, in this JVM: a cell is split into JShell snippets
 * (declarations, statements, expressions) and run in order; the value of a final expression is the
 * cell's value. A snippet that does not compile stops the cell with a {@link CompilationException}
 * naming the error and its place; one that throws stops it with an {@link EvaluationException}
 * carrying the real exception.
 */
final class CellEvaluator implements AutoCloseable {
    /**
     * What every cell can use without imports: collections, Spark SQL, the MetricOpt notebook API
     * and {@link Display#display}.
     */
    static final List<String> DEFAULT_IMPORTS =
            List.of(
                    "import java.util.*;",
                    "import java.util.stream.*;",
                    "import org.apache.spark.sql.*;",
                    "import static org.apache.spark.sql.functions.*;",
                    "import org.metricopt.driver.notebook.*;",
                    "import static org.metricopt.driver.jupyter.Display.display;");

    private final SharedJvmExecutionControl control;
    private final JShell shell;
    private final SourceCodeAnalysis analysis;
    private volatile Thread evaluating;

    /**
     * @param classpath what cells compile against, normally this JVM's {@code java.class.path}
     * @param classes where every class compiled from a cell is also written, for executors
     */
    CellEvaluator(String classpath, ReplClassDirectory classes) {
        control = new SharedJvmExecutionControl(classes);
        shell = JShell.builder().executionEngine(control.provider(), Map.of()).build();
        shell.addToClasspath(classpath);
        analysis = shell.sourceCodeAnalysis();
        for (String imp : DEFAULT_IMPORTS) {
            eval(imp);
        }
    }

    /** A cell that does not compile: the first error in one line, then every error in full. */
    static final class CompilationException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final List<String> details;

        CompilationException(String message, List<String> details) {
            super(message);
            this.details = List.copyOf(details);
        }

        List<String> details() {
            return details;
        }
    }

    /** A cell whose code threw; the cause is what it threw. */
    static final class EvaluationException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EvaluationException(Throwable cause) {
            super(String.valueOf(cause), cause);
        }
    }

    /**
     * Runs every snippet of the cell in order.
     *
     * @return the value of the last snippet when it is an expression, else null
     */
    Object eval(String cell) {
        evaluating = Thread.currentThread();
        try {
            Object value = null;
            String remaining = cell;
            while (!remaining.isBlank()) {
                CompletionInfo info = analysis.analyzeCompletion(remaining);
                Completeness c = info.completeness();
                if (c == Completeness.EMPTY) {
                    break;
                }
                String source;
                if (c == Completeness.COMPLETE || c == Completeness.COMPLETE_WITH_SEMI) {
                    source = info.source();
                    remaining = info.remaining();
                } else {
                    // Incomplete or unparsable: compiling the rest makes JShell say what is wrong.
                    source = remaining;
                    remaining = "";
                }
                value = evalSnippet(source);
            }
            return value;
        } finally {
            evaluating = null;
            // An interrupt that arrived as the cell ended must not hit the next one.
            Thread.interrupted();
        }
    }

    private Object evalSnippet(String source) {
        control.reset();
        Object value = null;
        for (SnippetEvent event : shell.eval(source)) {
            if (event.causeSnippet() != null) {
                continue;
            }
            Snippet snippet = event.snippet();
            if (event.status() == Snippet.Status.REJECTED) {
                throw compilationError(snippet);
            }
            if (event.exception() != null) {
                Throwable thrown = control.thrown();
                throw new EvaluationException(thrown != null ? thrown : event.exception());
            }
            if (snippet instanceof DeclarationSnippet declaration
                    && (event.status() == Snippet.Status.RECOVERABLE_DEFINED
                            || event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED)) {
                // JShell accepts forward references, as its own tool does; say what is missing.
                List<String> missing = shell.unresolvedDependencies(declaration).toList();
                System.err.println(
                        "note: "
                                + declaration.name()
                                + " can be used once "
                                + (missing.isEmpty()
                                        ? "its errors are fixed"
                                        : String.join(", ", missing) + " is defined"));
            }
            value = producesValue(snippet) ? control.value() : null;
        }
        return value;
    }

    private static boolean producesValue(Snippet snippet) {
        return snippet.kind() == Snippet.Kind.EXPRESSION
                || snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND;
    }

    private CompilationException compilationError(Snippet snippet) {
        List<String> details = new ArrayList<>();
        String first = null;
        for (Diag d : shell.diagnostics(snippet).filter(Diag::isError).toList()) {
            String message = d.getMessage(Locale.ROOT);
            if (first == null) {
                first = message.lines().findFirst().orElse(message);
            }
            details.add("error: " + message);
            details.addAll(pointer(snippet.source(), d));
        }
        if (first == null) {
            first = "JShell rejected the snippet";
            details.add(first + ": " + snippet.source().strip());
        }
        return new CompilationException(first, details);
    }

    /** The source line of a diagnostic with a caret under its span, javac style. */
    static List<String> pointer(String source, Diag d) {
        long start = d.getStartPosition();
        if (start < 0 || start > source.length()) {
            return List.of();
        }
        int s = (int) start;
        int lineStart = source.lastIndexOf('\n', s - 1) + 1;
        int lineEnd = source.indexOf('\n', s);
        if (lineEnd < 0) {
            lineEnd = source.length();
        }
        int end = (int) Math.min(Math.max(d.getEndPosition(), start + 1), lineEnd);
        String caret = end - s <= 1 ? "^" : "^" + "-".repeat(Math.max(0, end - s - 2)) + "^";
        return List.of(
                "    " + source.substring(lineStart, lineEnd),
                "    " + " ".repeat(s - lineStart) + caret);
    }

    /**
     * Whether {@code code} can run as it is: {@code "complete"}, {@code "invalid"}, or the indent
     * for the next line when it is unfinished (the kernel protocol's is_complete reply).
     */
    String completeness(String code) {
        String remaining = code;
        while (!remaining.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            switch (info.completeness()) {
                case COMPLETE, COMPLETE_WITH_SEMI -> remaining = info.remaining();
                case EMPTY -> remaining = "";
                case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> {
                    return "    ";
                }
                default -> {
                    return "invalid";
                }
            }
        }
        return "complete";
    }

    /** The snippet of {@code cell} that holds position {@code at}: its offset and its text. */
    private record SnippetAt(int offset, String text) {}

    private SnippetAt snippetAt(String cell, int at) {
        int offset = 0;
        String remaining = cell;
        while (!remaining.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (!info.completeness().isComplete() || info.completeness() == Completeness.UNKNOWN) {
                break;
            }
            int consumed = remaining.length() - info.remaining().length();
            if (offset + consumed >= at) {
                return new SnippetAt(offset, remaining.substring(0, consumed));
            }
            offset += consumed;
            remaining = info.remaining();
        }
        return new SnippetAt(offset, remaining);
    }

    /**
     * Completion candidates at {@code at}.
     *
     * @return the candidates and the span of {@code cell} they replace
     */
    Completions complete(String cell, int at) {
        SnippetAt snippet = snippetAt(cell, at);
        int[] anchor = new int[1];
        int cursor = Math.min(at - snippet.offset(), snippet.text().length());
        // Candidates of the expected type first, as JShell's own tool lists them.
        List<String> candidates =
                analysis.completionSuggestions(snippet.text(), cursor, anchor).stream()
                        .sorted(Comparator.comparing(sug -> !sug.matchesType()))
                        .map(SourceCodeAnalysis.Suggestion::continuation)
                        .distinct()
                        .toList();
        return new Completions(candidates, snippet.offset() + anchor[0], at);
    }

    /** Completion candidates and the span {@code [start, end)} of the cell they replace. */
    record Completions(List<String> candidates, int start, int end) {}

    /** Signatures and Javadoc of what is at {@code at}, or an empty string. */
    String documentation(String cell, int at) {
        SnippetAt snippet = snippetAt(cell, at);
        int cursor = Math.min(at - snippet.offset(), snippet.text().length());
        StringBuilder out = new StringBuilder();
        for (SourceCodeAnalysis.Documentation doc :
                analysis.documentation(snippet.text(), cursor, true)) {
            out.append(doc.signature()).append('\n');
            if (doc.javadoc() != null && !doc.javadoc().isBlank()) {
                out.append(doc.javadoc().strip()).append("\n\n");
            }
        }
        return out.toString().strip();
    }

    /** Asks the running cell to stop: interrupts its thread (blocking calls then return). */
    void interrupt() {
        Thread t = evaluating;
        if (t != null) {
            t.interrupt();
        }
    }

    @Override
    public void close() {
        shell.close();
    }
}
