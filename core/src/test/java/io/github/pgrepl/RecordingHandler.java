package io.github.pgrepl;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test callback module that streams a logical slot with pgoutput, records what arrives (pgoutput
 * message types, the first column of each inserted row, keepalives, lifecycle events) and, when asked,
 * acknowledges committed transactions on a timer. Tests override its hooks to pause, resume and so on.
 */
class RecordingHandler implements ReplicationHandler {

    static final String ACK = "ack";

    final String slot;
    final String publication;
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Character> messageTypes = new CopyOnWriteArrayList<>();
    final List<String> insertedValues = new CopyOnWriteArrayList<>();
    final List<Lsn> dataLsns = new CopyOnWriteArrayList<>();
    final AtomicInteger keepalives = new AtomicInteger();
    final AtomicInteger acksSent = new AtomicInteger();
    volatile Duration ackInterval;
    volatile boolean createSlot;
    volatile Throwable lastDisconnectReason;
    ReplicationConnection connection;
    /** End LSN of the last commit seen: what the ack timer confirms. Confined to the connection's thread. */
    Lsn committed = Lsn.ZERO;

    RecordingHandler(String slot, String publication) {
        this.slot = slot;
        this.publication = publication;
    }

    RecordingHandler ackEvery(Duration interval) {
        this.ackInterval = interval;
        return this;
    }

    RecordingHandler creatingSlot() {
        this.createSlot = true;
        return this;
    }

    String startReplication() {
        return "START_REPLICATION SLOT " + slot + " LOGICAL 0/0 (proto_version '1', publication_names '" + publication + "')";
    }

    @Override
    public void init(ReplicationConnection connection) {
        this.connection = connection;
        events.add("init");
    }

    @Override
    public Action handleConnect() {
        events.add("connect");
        if (ackInterval != null) {
            connection.sendAfter(ACK, ackInterval);
        }
        if (createSlot) {
            createSlot = false;
            return Action.query("CREATE_REPLICATION_SLOT " + slot + " LOGICAL pgoutput NOEXPORT_SNAPSHOT");
        }
        return Action.stream(startReplication());
    }

    @Override
    public Action handleResult(QueryOutcome outcome) {
        events.add("result:" + (outcome instanceof QueryOutcome.Success s ? s.result().commandTag() : "failure"));
        return outcome instanceof QueryOutcome.Success ? Action.stream(startReplication()) : Action.noReply();
    }

    @Override
    public Action handleDisconnect(Throwable reason) {
        events.add("disconnect");
        lastDisconnectReason = reason;
        return Action.noReply();
    }

    @Override
    public Action handleData(ByteBuffer copyData) {
        ReplicationMessage message = ReplicationMessages.parse(copyData);
        if (message instanceof PrimaryKeepalive keepalive) {
            keepalives.incrementAndGet();
            return onKeepalive(keepalive);
        }
        XLogData data = (XLogData) message;
        record(data);
        return onXLogData(data);
    }

    private void record(XLogData data) {
        ByteBuffer payload = data.data();
        char type = (char) payload.get(0);
        messageTypes.add(type);
        dataLsns.add(data.walStart());
        if (type == 'I') {
            // 'I', relation OID, 'N', column count, then the first column: kind, length, text
            int length = payload.getInt(9);
            byte[] value = new byte[length];
            payload.get(13, value);
            insertedValues.add(new String(value, StandardCharsets.UTF_8));
        } else if (type == 'C') {
            committed = Lsn.of(payload.getLong(10));
        }
    }

    /** Hook: what to do after an XLogData was recorded. */
    Action onXLogData(XLogData data) {
        return Action.noReply();
    }

    /** Hook: what to do on a keepalive; answers a reply request at once. */
    Action onKeepalive(PrimaryKeepalive keepalive) {
        return keepalive.replyRequested() ? Action.noReply(statusUpdate()) : Action.noReply();
    }

    byte[] statusUpdate() {
        acksSent.incrementAndGet();
        return ReplicationMessages.standbyStatusUpdate(committed, committed, committed, false);
    }

    @Override
    public Action handleInfo(Object message) {
        if (ACK.equals(message)) {
            connection.sendAfter(ACK, ackInterval);
            return connection.status().state() == ConnectionState.STREAMING ? Action.noReply(statusUpdate()) : Action.noReply();
        }
        return onInfo(message);
    }

    /** Hook: infos other than the ack timer. */
    Action onInfo(Object message) {
        events.add("info:" + message);
        return Action.noReply();
    }

    @Override
    public Action handleCopyDone() {
        events.add("copyDone");
        return Action.noReply();
    }
}
