/**
 * JMH micro-benchmarks of the hot paths without a server: pgoutput decoding and CopyData stream framing, on
 * messages built in memory. May import core (its internals included) and JMH.
 */
package io.github.pgrepl.bench.jmh;
