package org.metricopt.driver.jupyter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The kernel's copy of every class JShell compiles from a cell, one {@code .class} file per class
 * under its binary name ({@code REPL/$JShell$12$Doubler.class}), so that a lambda or a class
 * defined in a cell also loads on a cluster's executors, as in {@code spark-shell}.
 *
 * <p>How it reaches the executors: the kernel publishes the directory as the JVM system property
 * {@value #SPARK_PROPERTY} at start ({@link #publish}), before any cell runs. Every {@code
 * SparkConf} built with its defaults reads {@code spark.*} system properties, so the session of
 * {@code MetricOpt.session()} (and one a cell builds itself) carries it; its SparkContext then
 * serves the directory through its RPC file server and sets {@code spark.repl.class.uri}, and each
 * executor loads a class it cannot find on its class path from there, on first use. The notebook
 * facade needs no hook into the kernel, and command-line jobs, whose JVMs never set the property,
 * are unaffected. A session that started before the property was set does not serve the classes; in
 * the kernel none can. See docs/DESIGN.md, section 7.
 *
 * <p>The directory is a fresh temporary one per kernel, deleted (and the property cleared) when the
 * kernel shuts down.
 */
final class ReplClassDirectory implements AutoCloseable {
    /** The Spark setting, read when a SparkContext starts, that makes it serve REPL classes. */
    static final String SPARK_PROPERTY = "spark.repl.class.outputDir";

    private final Path root;
    private boolean published;

    private ReplClassDirectory(Path root) {
        this.root = root;
    }

    /** A new, empty temporary directory. */
    static ReplClassDirectory create() {
        try {
            return new ReplClassDirectory(
                    Files.createTempDirectory("metricopt-repl-classes-").toRealPath());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create the directory for notebook classes in the temporary directory",
                    e);
        }
    }

    /** The directory: class files lie under it by package, like a class path entry. */
    Path path() {
        return root;
    }

    /**
     * Sets {@value #SPARK_PROPERTY} to this directory for every Spark session this JVM starts from
     * now on.
     */
    synchronized ReplClassDirectory publish() {
        System.setProperty(SPARK_PROPERTY, root.toString());
        published = true;
        return this;
    }

    /**
     * Writes a class's bytecode to {@code <binary name with '.' as '/'>.class}, atomically: an
     * executor fetching it sees the old file or the new one, never a partial one.
     */
    void write(String binaryName, byte[] bytecode) {
        Path file = root.resolve(binaryName.replace('.', '/') + ".class");
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".class-", ".tmp");
            try {
                Files.write(tmp, bytecode);
                try {
                    Files.move(
                            tmp,
                            file,
                            StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Clears {@value #SPARK_PROPERTY} if it still names this directory, and deletes it. */
    @Override
    public synchronized void close() {
        if (published && root.toString().equals(System.getProperty(SPARK_PROPERTY))) {
            System.clearProperty(SPARK_PROPERTY);
        }
        published = false;
        try {
            Files.walkFileTree(
                    root,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs)
                                throws IOException {
                            Files.deleteIfExists(f);
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult postVisitDirectory(Path d, IOException e)
                                throws IOException {
                            Files.deleteIfExists(d);
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            // A temporary directory: what cannot be deleted now is left to the system's cleanup.
        }
    }
}
