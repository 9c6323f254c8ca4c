/**
 * Small helpers every module shares: {@link io.github.pgrepl.internal.util.Durations} writes a duration in messages as
 * users write it in properties.
 *
 * <p>Imports the JDK only; any package of pgrepl may import it.
 */
package io.github.pgrepl.internal.util;
