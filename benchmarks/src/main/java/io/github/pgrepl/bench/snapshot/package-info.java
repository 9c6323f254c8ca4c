/**
 * The snapshot benchmark: an initial and an incremental snapshot of one table, next to {@code psql}'s {@code COPY} of
 * it. Imports core, test-support's {@code PgServer}, and the JDK.
 */
package io.github.pgrepl.bench.snapshot;
