package io.github.pgrepl;

import io.github.pgrepl.ConnectionConfig.Builder;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses libpq URLs ({@code postgresql://user:secret@host:5432/db?sslmode=verify-full}) and pgjdbc URLs
 * ({@code jdbc:postgresql://host/db?user=app&password=secret}) into a {@link Builder}.
 *
 * <p>The user info is read as libpq reads it: what precedes the first {@code @} that comes before any {@code /},
 * the user name up to its first {@code :}, the password after it, each percent-decoded. A password holding a raw
 * {@code / @ ? # &} therefore breaks the URL, as it does for libpq; the error then says to percent-encode, and
 * no message ever echoes the user info or the query: the URL is shown as {@code scheme://****@host:port/db?…}
 * (see {@link #mask}), and a parameter is named only when it cannot be a piece of a password.
 */
final class ConnectionUrl {

    private static final List<String> PARAMETERS = List.of("user", "password", "sslmode", "ssl", "sslrootcert", "sslcert",
            "sslkey", "channel_binding", "require_auth", "application_name", "connect_timeout", "dbname", "host", "port",
            "options", "replication", "target_session_attrs", "load_balance_hosts", "channelBinding", "ApplicationName",
            "connectTimeout", "targetServerType", "loadBalanceHosts");
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final String ENCODE_HINT = "percent-encode / ? # @ & = % and spaces in the user name, password and"
            + " database (e.g. %2F for /, %40 for @, %26 for &)";

    private final String url;
    /** Whether an '@' stands where libpq found no user info: the host, path or query may then hold a password. */
    private boolean suspect;
    /** Whether a password parameter came before the parameter at hand: its raw '&' would split it. */
    private boolean afterPassword;

    private ConnectionUrl(String url) {
        this.url = url;
    }

    static Builder parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("The connection URL is empty: expected postgresql://user@host:5432/db");
        }
        return new ConnectionUrl(url.strip()).parse();
    }

    private Builder parse() {
        String rest = url;
        if (rest.regionMatches(true, 0, "jdbc:", 0, 5)) {
            rest = rest.substring(5);
        }
        int schemeEnd = rest.indexOf("://");
        String scheme = schemeEnd < 0 ? "" : rest.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
            throw invalid("it must start with postgresql:// or jdbc:postgresql://");
        }
        rest = rest.substring(schemeEnd + 3);
        Builder builder = ConnectionConfig.builder();

        // libpq: the user info ends at the first '@', if one comes before any '/'.
        int at = -1;
        for (int i = 0; i < rest.length() && rest.charAt(i) != '/'; i++) {
            if (rest.charAt(i) == '@') {
                at = i;
                break;
            }
        }
        if (at >= 0) {
            userInfo(rest.substring(0, at), builder);
            rest = rest.substring(at + 1);
        }
        int questionMark = rest.indexOf('?');
        String beforeQuery = questionMark < 0 ? rest : rest.substring(0, questionMark);
        if (beforeQuery.indexOf('@') >= 0) {
            // A second '@', or one after a '/': part of a user name or password, never of a host or database.
            throw invalid("an '@' stands in the host or database part, so the user name or password holds a raw '@' or '/'");
        }
        suspect = rest.indexOf('@') >= 0;
        int slash = beforeQuery.indexOf('/');
        hostsAndPorts(slash < 0 ? beforeQuery : beforeQuery.substring(0, slash), builder);
        if (slash >= 0 && slash + 1 < beforeQuery.length()) {
            builder.database(decode(beforeQuery.substring(slash + 1), "the database"));
        }
        if (questionMark >= 0) {
            parameters(rest.substring(questionMark + 1), builder);
        }
        try {
            builder.endpoints(); // host and port lists that do not pair up
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        return builder;
    }

    private void userInfo(String userInfo, Builder builder) {
        int colon = userInfo.indexOf(':');
        String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "the user name");
        if (!user.isEmpty()) {
            builder.user(user);
        }
        if (colon >= 0) {
            String password = decode(userInfo.substring(colon + 1), "the password");
            if (!password.isEmpty()) {
                builder.password(password);
            }
        }
    }

    /** libpq's host list: {@code a:5432,b:5433}, each port optional (the default then), IPv6 addresses in brackets. */
    private void hostsAndPorts(String netloc, Builder builder) {
        List<String> hosts = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (String each : netloc.split(",", -1)) {
            String[] hostPort = hostAndPort(each);
            hosts.add(hostPort[0].isEmpty() ? "localhost" : decode(hostPort[0], "the host"));
            ports.add(hostPort[1] == null ? 0 : port(hostPort[1]));
        }
        if (hosts.size() > 1 || !netloc.isEmpty()) {
            builder.hosts(hosts);
        }
        if (ports.size() > 1 || ports.get(0) != 0) {
            builder.ports(ports);
        }
    }

    /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}: the host, and the port or {@code null}. */
    private String[] hostAndPort(String hostPort) {
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw invalid("an IPv6 address must be closed with ']'");
            }
            String after = hostPort.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw invalid(suspect ? "something follows the IPv6 address" : "unexpected '" + after + "' after the IPv6 address");
            }
            return new String[] {hostPort.substring(1, close), after.isEmpty() ? null : after.substring(1)};
        }
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 ? new String[] {hostPort, null}
                : new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1)};
    }

    private int port(String port) {
        try {
            int value = Integer.parseInt(port);
            if (value >= 1 && value <= 65535) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(suspect ? "the port is not a number from 1 to 65535"
                : "the port '" + port + "' is not a number from 1 to 65535");
    }

    private void parameters(String query, Builder builder) {
        SslMode sslMode = null;
        boolean ssl = false;
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq), "a parameter name");
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "the value of a parameter");
            try {
                switch (key) {
                    case "user" -> builder.user(value);
                    case "password" -> {
                        builder.password(value);
                        afterPassword = true;
                    }
                    case "sslmode" -> sslMode = SslMode.parse(value);
                    case "ssl" -> ssl = value.isEmpty() || Boolean.parseBoolean(value);
                    case "sslrootcert" -> builder.sslRootCert(Path.of(value));
                    case "sslcert" -> builder.sslCert(Path.of(value));
                    case "sslkey" -> builder.sslKey(Path.of(value));
                    case "channel_binding", "channelBinding" -> builder.channelBinding(ChannelBinding.parse(value));
                    case "require_auth" -> builder.requireAuth(value);
                    case "application_name", "ApplicationName" -> builder.applicationName(value);
                    case "connect_timeout", "connectTimeout" -> builder.connectTimeout(Duration.ofSeconds(Long.parseLong(value)));
                    case "dbname" -> builder.database(value);
                    case "host" -> builder.hosts(list(value).stream().map(h -> h.isEmpty() ? "localhost" : h).toList());
                    case "port" -> builder.ports(list(value).stream().map(p -> p.isEmpty() ? 0 : port(p)).toList());
                    case "target_session_attrs", "targetServerType" -> builder.targetSessionAttrs(TargetSessionAttrs.parse(value));
                    case "load_balance_hosts" -> builder.loadBalanceHosts(loadBalance(value));
                    case "loadBalanceHosts" -> builder.loadBalanceHosts(Boolean.parseBoolean(value));
                    case "options", "replication" -> builder.parameter(key, value);
                    default -> throw invalid(unknownParameter(key));
                }
            } catch (NumberFormatException e) {
                throw invalid("parameter '" + key + "' must be a whole number of seconds" + (suspect ? "" : ", was '" + value + "'"));
            } catch (InvalidUrl e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw invalid(suspect ? "parameter '" + key + "' has an invalid value" : e.getMessage());
            }
        }
        if (sslMode != null) {
            builder.sslMode(sslMode);
        } else if (ssl) {
            builder.sslMode(SslMode.VERIFY_FULL); // pgjdbc's meaning of ssl=true
        }
    }

    /** A comma-separated list, as libpq takes for host and port; empty entries stay (the default). */
    private static List<String> list(String value) {
        return List.of(value.split(",", -1)).stream().map(String::strip).toList();
    }

    private static boolean loadBalance(String value) {
        return switch (value) {
            case "random" -> true;
            case "disable" -> false;
            default -> throw new IllegalArgumentException("load_balance_hosts must be disable or random, was '" + value + "'");
        };
    }

    /**
     * Names an unknown parameter only when it cannot be a piece of a password: after a password parameter, whose
     * raw '&' would split it, only a near miss of a known name (a typo) is shown.
     */
    private String unknownParameter(String key) {
        String supported = "; supported: user, password, sslmode, ssl, sslrootcert, sslcert, sslkey, channel_binding,"
                + " require_auth, application_name, connect_timeout, dbname, host, port, target_session_attrs,"
                + " load_balance_hosts, options, replication";
        String nearMiss = nearMiss(key);
        boolean nameable = PARAMETER_NAME.matcher(key).matches() && !suspect;
        if (nameable && nearMiss != null) {
            return "unknown parameter '" + key + "' (did you mean " + nearMiss + "?)" + supported;
        }
        if (nameable && !afterPassword) {
            return "unknown parameter '" + key + "'" + supported;
        }
        return "an unknown parameter, not shown as it may be a piece of a password: " + ENCODE_HINT + supported;
    }

    /** A supported parameter one typo (an edit or a swap) away from {@code key}, or {@code null}. */
    private static String nearMiss(String key) {
        if (key.length() < 4) {
            return null;
        }
        for (String known : PARAMETERS) {
            if (oneTypoApart(key, known)) {
                return known;
            }
        }
        return null;
    }

    private static boolean oneTypoApart(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 1 || a.equals(b)) {
            return false;
        }
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        if (a.length() == b.length()) {
            return a.substring(i + 1).equals(b.substring(i + 1)) // one substituted
                    || i + 1 < a.length() && a.charAt(i) == b.charAt(i + 1) && a.charAt(i + 1) == b.charAt(i)
                    && a.substring(i + 2).equals(b.substring(i + 2)); // two swapped
        }
        return a.length() > b.length() ? a.substring(i + 1).equals(b.substring(i)) : a.substring(i).equals(b.substring(i + 1));
    }

    /** Percent-decoding as libpq does: '+' stays '+', and %00 is refused. */
    private String decode(String text, String what) {
        String decoded;
        try {
            decoded = URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid(what + " has a malformed %-escape (a % not followed by two hex digits)");
        }
        if (decoded.indexOf('\0') >= 0) {
            throw invalid(what + " holds %00, which PostgreSQL cannot take");
        }
        return decoded;
    }

    private InvalidUrl invalid(String why) {
        boolean hint = suspect || afterPassword || why.contains("'@'") || why.contains("%-escape");
        return new InvalidUrl("Invalid connection URL '" + mask(url) + "': " + why
                + (hint && !why.contains(ENCODE_HINT) ? "; " + ENCODE_HINT : ""));
    }

    /**
     * The URL for messages: {@code scheme://****@host:port/db?…}, the user info masked and the query left out (a
     * password parameter's value, and what its raw '&' split off). An '@' anywhere past the user info means that a
     * raw '@', '/' or '?' in a password moved the boundaries, and nothing is shown past the scheme.
     */
    static String mask(String url) {
        int schemeEnd = url.indexOf("://");
        String scheme = schemeEnd < 0 ? "" : url.substring(0, schemeEnd + 3);
        if (!scheme.matches("(?i)(jdbc:)?[a-z][a-z0-9+.-]*://")) {
            return "****"; // no scheme, or the separator was inside the user info
        }
        String rest = url.substring(schemeEnd + 3);
        String user = "";
        for (int i = 0; i < rest.length() && rest.charAt(i) != '/'; i++) {
            if (rest.charAt(i) == '@') {
                user = "****@";
                rest = rest.substring(i + 1);
                break;
            }
        }
        if (rest.indexOf('@') >= 0) {
            return scheme + "****";
        }
        int query = rest.indexOf('?');
        return scheme + user + (query < 0 ? rest : rest.substring(0, query) + "?…");
    }

    /** An invalid URL: never caught by the parameter loop to be reworded. */
    private static final class InvalidUrl extends IllegalArgumentException {
        InvalidUrl(String message) {
            super(message);
        }
    }
}
