/**
 * How pgoutput's column values become Java values: the type table, text and binary value parsers (numbers,
 * dates and times, arrays), and the reader of a pgoutput message's bytes. Stateless helpers of
 * {@link io.github.pgrepl.pgoutput.Row} and {@link io.github.pgrepl.pgoutput.PgOutputDecoder}.
 *
 * <p>May import the JDK and {@code pgoutput}'s {@code DecodeException}; nothing else of pgrepl.
 */
package io.github.pgrepl.pgoutput.internal;
