package io.github.pgrepl.bench;

import io.github.pgrepl.Action;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.ReplicationMessages;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * pgrepl's {@link ReplicationConnection} with a handler that reads only the XLogData header (as a
 * client that forwards raw pgoutput bytes would) and answers the keepalives that ask for a reply.
 */
final class RawConsumer implements JavaConsumer {

    @Override
    public Measurement run(Target target, String slot, Format format, StreamProbe probe) throws Exception {
        String start = "START_REPLICATION SLOT " + slot + " LOGICAL 0/0 (" + JavaConsumer.pgoutputOptions(format) + ")";
        try (ReplicationConnection connection = ReplicationConnection.start(target.config(), new Handler(start, probe))) {
            return probe.await(Duration.ofMinutes(30));
        }
    }

    private static final class Handler implements ReplicationHandler {
        private final String startReplication;
        private final StreamProbe probe;
        private long received;

        Handler(String startReplication, StreamProbe probe) {
            this.startReplication = startReplication;
            this.probe = probe;
        }

        @Override
        public Action handleConnect() {
            return Action.stream(startReplication);
        }

        @Override
        public Action handleData(ByteBuffer copyData) {
            if (probe.done()) {
                return Action.noReplyAndPause();
            }
            int at = copyData.position();
            byte type = copyData.get(at);
            if (type == 'w') {
                probe.firstByte();
                received = copyData.getLong(at + 1);
                return probe.xlogData(received, copyData.remaining() - 25) ? Action.noReplyAndPause() : Action.noReply();
            }
            if (type == 'k') {
                if (probe.keepalive(copyData.getLong(at + 1))) {
                    return Action.noReplyAndPause();
                }
                if (copyData.get(at + 17) != 0) {
                    Lsn position = Lsn.of(received);
                    return Action.noReply(ReplicationMessages.standbyStatusUpdate(position, position, position, false));
                }
            }
            return Action.noReply();
        }
    }
}
