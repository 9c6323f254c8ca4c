/**
 * The {@code pgoutput} layer: {@link io.github.pgrepl.pgoutput.PgOutputHandler}, a ready callback module that
 * checks the server, creates the slot (a failover slot on PostgreSQL 17+ when asked) and publications when asked,
 * stops with a {@link io.github.pgrepl.pgoutput.ReplicationSlotException} on a slot that cannot be streamed any more,
 * streams pgoutput, decodes it into
 * {@link io.github.pgrepl.pgoutput.ChangeEvent}s ({@link io.github.pgrepl.pgoutput.PgOutputDecoder},
 * {@link io.github.pgrepl.pgoutput.Row}) and hands them to a {@link io.github.pgrepl.pgoutput.ChangeListener} on
 * a worker thread, confirming only what the listener processed; and snapshots of the rows that exist
 * ({@link io.github.pgrepl.pgoutput.SnapshotOptions}, {@link io.github.pgrepl.pgoutput.SnapshotProgress}), whose machinery
 * is in {@code pgoutput.internal.snapshot}.
 *
 * <p>Built on the public API alone: may import {@code io.github.pgrepl}, {@code pgoutput.internal} and
 * {@code pgoutput.internal.snapshot} and {@code internal.util} (shared text helpers), never the rest of
 * {@code io.github.pgrepl.internal}.
 */
package io.github.pgrepl.pgoutput;
