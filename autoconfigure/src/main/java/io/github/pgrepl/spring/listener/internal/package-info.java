/**
 * Decorators of a connection's listener that applications never touch.
 *
 * <p>Imports the listener API and pgrepl-core.
 */
package io.github.pgrepl.spring.listener.internal;
