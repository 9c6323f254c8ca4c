package io.github.pgrepl.spring.autoconfigure.health;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The replication health contributor. The former keys, management.health.replication.reconnect-grace-period and
 * wal-sender-timeout, still work, with a warning (see {@link DeprecatedHealthProperties}).
 *
 * @param reconnectGracePeriod How long a connection may be starting, reconnecting or setting up its stream and still
 *     be UP; past it, it is DOWN.
 * @param walSenderTimeout The server's wal_sender_timeout assumed until the server has told its own (before the first
 *     connect): a stream silent for twice as long is DOWN.
 */
@ConfigurationProperties("pgrepl.health")
public record ReplicationHealthProperties(@DefaultValue("30s") Duration reconnectGracePeriod,
                                          @DefaultValue("60s") Duration walSenderTimeout) {
}
