/**
 * JMH micro-benchmarks of the hot paths without a server: pgoutput decoding and CopyData stream framing, on
 * messages built in memory, and the Spring path's binding of a row. May import core (its internals included), the
 * autoconfigure module's listener support and JMH.
 */
package io.github.pgrepl.bench.jmh;
