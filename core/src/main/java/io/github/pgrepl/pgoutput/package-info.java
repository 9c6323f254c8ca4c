/**
 * The {@code pgoutput} layer: {@link io.github.pgrepl.pgoutput.PgOutputHandler}, a ready callback module that
 * checks the server, creates the slot (a failover slot on PostgreSQL 17+ when asked) and publications when asked,
 * stops with a {@link io.github.pgrepl.pgoutput.ReplicationSlotException} on a slot that cannot be streamed any more,
 * streams pgoutput, decodes it into
 * {@link io.github.pgrepl.pgoutput.ChangeEvent}s ({@link io.github.pgrepl.pgoutput.PgOutputDecoder},
 * {@link io.github.pgrepl.pgoutput.Row}) and hands them to a {@link io.github.pgrepl.pgoutput.ChangeListener} on
 * a worker thread, confirming only what the listener processed.
 *
 * <p>Built on the public API alone: may import {@code io.github.pgrepl} and {@code pgoutput.internal}, never
 * {@code io.github.pgrepl.internal}.
 */
package io.github.pgrepl.pgoutput;
