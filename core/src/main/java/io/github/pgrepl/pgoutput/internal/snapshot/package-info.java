/**
 * How a {@code PgOutputHandler} takes snapshots, behind {@link io.github.pgrepl.pgoutput.internal.snapshot.Snapshots}:
 * the initial one ({@link io.github.pgrepl.pgoutput.internal.snapshot.InitialSnapshot}: the slot's exported snapshot
 * read with {@code COPY} by parallel sessions) and incremental ones ({@code IncrementalSnapshots}: chunks in key order
 * between watermarks, the DBLog method, with {@code ChunkWindow} deciding which rows of a chunk the stream made
 * stale), the sessions they run on (plain connections driven by {@code ReplicationHandler}s), COPY rows in pgoutput's
 * tuple layout ({@link io.github.pgrepl.pgoutput.internal.snapshot.CopyRows}), the catalog queries and the watermarks'
 * format.
 *
 * <p>May import the API ({@code io.github.pgrepl}), {@code pgoutput}'s public types (events, rows, the snapshot
 * options and progress) and the JDK; never {@code io.github.pgrepl.internal}. What it needs of the handler comes
 * through {@link io.github.pgrepl.pgoutput.internal.snapshot.SnapshotHost}.
 */
package io.github.pgrepl.pgoutput.internal.snapshot;
