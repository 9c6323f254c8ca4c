package io.github.pgrepl.spring.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where connections do their network I/O. By default each connection has an event loop (a thread) of its own; with
 * many connections, one shared group of a few threads may serve them all (a connection's callbacks still run one at a
 * time, on one thread of the group).
 *
 * @param shared Whether every connection runs on one event loop group, the bean pgreplEventLoopGroup (an application
 *     bean of that name is used whatever this says).
 * @param threads Threads of the shared group; 0 for Netty's default, twice the number of processors.
 */
@ConfigurationProperties("pgrepl.event-loop")
public record EventLoopProperties(@DefaultValue("false") boolean shared, @DefaultValue("0") int threads) {
}
