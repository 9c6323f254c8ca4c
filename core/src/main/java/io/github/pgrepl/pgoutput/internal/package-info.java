/**
 * How pgoutput's column values become Java values: the type table, text and binary value parsers (numbers,
 * dates and times, arrays), the reader of a pgoutput message's bytes and the decoder's map of relations by OID.
 * Helpers of {@link io.github.pgrepl.pgoutput.Row} and {@link io.github.pgrepl.pgoutput.PgOutputDecoder}, each
 * confined to the caller's thread.
 *
 * <p>May import the JDK and {@code pgoutput}'s {@code DecodeException}; nothing else of pgrepl.
 */
package io.github.pgrepl.pgoutput.internal;
