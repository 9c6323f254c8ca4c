package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.testsupport.PgExtension;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Synchronous start, its bound, failures at connect, and a shared event loop group. */
class ConnectingIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @Test
    void aSynchronousStartNeverWaitsLongerThanConnectTimeout() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try (Socket client = silent.accept()) {
                    while (client.getInputStream().read() >= 0) {
                        // hold the socket and say nothing, until the client gives up
                    }
                } catch (IOException e) {
                    // closed by the test
                }
            });
            acceptor.start();
            ConnectionConfig config = ConnectionConfig.builder().host("127.0.0.1").port(silent.getLocalPort()).user("app")
                    .sslMode(SslMode.DISABLE).connectTimeout(Duration.ofMillis(700)).build();

            long started = System.nanoTime();
            Throwable failure = catchThrowable(() -> ReplicationConnection.start(config, new ReplicationHandler() { }));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(failure).isInstanceOf(ReplicationException.class).hasMessageContaining("within connectTimeout 700ms");
            assertThat(tookMillis).isLessThan(5_000);
        }
    }

    @Test
    void aRefusedConnectionSaysWhere() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        ConnectionConfig config = ConnectionConfig.builder().host("127.0.0.1").port(port).user("app").build();

        Throwable failure = catchThrowable(() -> ReplicationConnection.start(config, new ReplicationHandler() { }));

        assertThat(failure).isInstanceOf(ReplicationException.class).hasMessageContaining("127.0.0.1:" + port);
    }

    @Test
    void aStartThatFailsInHandleConnectThrows() {
        ReplicationHandler handler = new ReplicationHandler() {
            @Override
            public Action handleConnect() {
                return Action.stream("START_REPLICATION SLOT no_such_slot LOGICAL 0/0");
            }

            @Override
            public Action handleResult(QueryOutcome outcome) {
                return Action.disconnect("cannot stream: " + ((QueryOutcome.Failure) outcome).error().getMessage());
            }
        };

        Throwable failure = catchThrowable(() -> ReplicationConnection.start(config(pg.server()).build(), handler));

        assertThat(failure).hasMessageContaining("no_such_slot").hasMessageContaining("does not exist");
    }

    @Test
    void connectionsCanShareAnEventLoopGroupThatOutlivesThem() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            ReplicationHandler echo = new ReplicationHandler() {
                @Override
                public Action handleCall(Object request, Caller from) {
                    from.reply(Thread.currentThread().getName());
                    return Action.noReply();
                }
            };
            ReplicationConnection first = ReplicationConnection.start(config(pg.server()).eventLoopGroup(group).build(), echo);
            ReplicationConnection second = ReplicationConnection.start(config(pg.server()).eventLoopGroup(group).build(), echo);

            assertThat(first.call("thread").get(5, TimeUnit.SECONDS)).isEqualTo(second.call("thread").get(5, TimeUnit.SECONDS));
            first.close();
            assertThat(second.call("still there").get(5, TimeUnit.SECONDS)).isNotNull();
            assertThat(group.isShuttingDown()).isFalse();
            second.close();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void anAsynchronousStartReturnsAtOnceAndConnectsInTheBackground() {
        ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).syncConnect(false).build(),
                new ReplicationHandler() { });
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().state() == ConnectionState.CONNECTED);
            assertThat(connection.status().backendPid()).isPositive();
            assertThat(connection.status().serverVersion()).startsWith(String.valueOf(pg.server().majorVersion()));
        } finally {
            connection.close();
        }
    }
}
