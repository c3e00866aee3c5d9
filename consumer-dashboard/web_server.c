/* SPDX-License-Identifier: MIT */
#include "web_server.h"

#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <civetweb.h>

#include "assets.h"
#include "common/allocator.h"
#include "common/log.h"
#include "common/prom.h"
#include "web_auth.h"

#define WS_PUSHERS           8    /* threads writing to WebSocket viewers */
#define WS_MESSAGE_MAX       4096 /* bytes a viewer may send us */
#define WORKER_THREADS_EXTRA 16   /* above max connections, for API calls */
#define CSV_CHUNK_ROWS       10000
#define WS_RETRY_S           "5" /* Retry-After for a refused viewer */
#define TIMEOUT_MS           "10000"
#define WS_PING_MS           "20000"
#define MAX_REQUEST_SIZE     "16384"
#define CONNECTION_QUEUE     "1024"
#define ROLE_COLUMN_MAX      256 /* bytes of a decoded column name, NUL included */
#define SOURCE_ID_MAX        512 /* bytes of a decoded source id, NUL included */
#define WS_STOP_POKE_US      20000 /* between wake-ups of the accept loop */
#define WS_STOP_POKES        250   /* 5 s of them at most */

/* A kept-alive connection idle this long is closed. A client that sends its
 * next request as it closes gets the connection reset (Node's fetch:
 * UND_ERR_SOCKET), so clients must give up an idle connection first: the
 * Keep-Alive header tells them KEEP_ALIVE_HINT_S, and Node's fetch keeps one
 * a second less than that. civetweb's default (500 ms) was far shorter
 * than any client's. An idle connection holds a worker thread meanwhile. */
#define KEEP_ALIVE_MS     "6000"
#define KEEP_ALIVE_HINT_S "5"

static const char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

struct web_server {
        struct mg_context *ctx;
        struct snapshot_hub *hub;
        struct web_server_config cfg;
        pthread_t pushers[WS_PUSHERS];
        int npushers;
        atomic_uint_fast64_t exports_cut; /* exports ended without their end */
};

static const char *status_text(int status)
{
        switch (status) {
        case 200:
                return "OK";
        case 400:
                return "Bad Request";
        case 401:
                return "Unauthorized";
        case 403:
                return "Forbidden";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 409:
                return "Conflict";
        case 410:
                return "Gone";
        case 503:
                return "Service Unavailable";
        default:
                return "Internal Server Error";
        }
}

static void head(struct mg_connection *c, int status, const char *ctype,
                 long long len, const char *extra)
{
        char length[48] = "Transfer-Encoding: chunked";
        if (len >= 0) {
                snprintf(length, sizeof(length), "Content-Length: %lld", len);
        }
        mg_printf(c,
                  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%s\r\n"
                  "Cache-Control: no-store\r\n"
                  "X-Content-Type-Options: nosniff\r\n"
                  "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
                  "Keep-Alive: timeout=" KEEP_ALIVE_HINT_S "\r\n"
                  "Content-Security-Policy: %s\r\n%s\r\n",
                  status, status_text(status), ctype, length, csp,
                  extra ? extra : "");
}

static int respond(struct mg_connection *c, int status, const char *ctype,
                   const void *body, size_t len, const char *extra)
{
        head(c, status, ctype, (long long)len, extra);
        mg_write(c, body, len);
        return status;
}

static int respond_error(struct mg_connection *c, int status,
                         const char *message, const char *extra)
{
        struct wire_buf b = {0};
        wire_buf_append(&b, "{\"error\":", 9);
        wire_buf_append_json_string(&b, message, strlen(message));
        wire_buf_append(&b, "}", 1);
        respond(c, status, "application/json", b.data ? b.data : "{}",
                b.data ? b.len : 2, extra);
        wire_buf_finish(&b);
        return status;
}

static int api_snapshot(struct web_server *ws, struct mg_connection *c)
{
        struct hub_blob *b = snapshot_hub_acquire(ws->hub);
        if (!b) {
                return respond_error(c, 503, "starting", NULL);
        }
        respond(c, 200, "application/json", b->json, b->json_len, NULL);
        snapshot_hub_release(ws->hub, b);
        return 200;
}

/* One viewer's choices in a query: roles and source, decoded. */
struct viewer {
        char buf[AGGREGATES_ROLE_COUNT][ROLE_COLUMN_MAX];
        const char *roles[AGGREGATES_ROLE_COUNT];
        char source_buf[SOURCE_ID_MAX];
        const char *source; /* NULL: every source */
};

static int viewer_parse(struct mg_connection *c, const char *q, bool only_roles,
                        struct viewer *v);

/* A request the Kafka thread answers, with the viewer's roles and source
 * from the query (only_roles: no other parameter is allowed). */
static int api_request(struct web_server *ws, struct mg_connection *c,
                       enum hub_request_kind kind, const char *query,
                       bool only_roles)
{
        struct viewer v;
        struct hub_request r = {.kind = kind, .query = query};
        if (viewer_parse(c, query, only_roles, &v) != 0) {
                return 400;
        }
        memcpy(r.roles, v.roles, sizeof(r.roles));
        r.source = v.source;
        snapshot_hub_request(ws->hub, &r);
        int status = r.status;
        if (status == 200) {
                respond(c, 200, "application/json", r.body.data, r.body.len,
                        NULL);
        } else {
                respond_error(c, status,
                              r.error[0] ? r.error : status_text(status), NULL);
        }
        wire_buf_finish(&r.body);
        return status;
}

/* An export whose headers are sent cannot answer an error any more: it ends
 * without the chunked stream's terminating chunk and the connection is
 * closed, so a client sees a truncated transfer (curl: "transfer closed with
 * outstanding read data remaining"), never a complete-looking file. */
static void export_cut(struct web_server *ws, struct mg_connection *c,
                       const struct hub_request *r, uint64_t bytes)
{
        atomic_fetch_add(&ws->exports_cut, 1);
        log_warn("event=export_cut status=%d bytes_sent=%llu reason=\"%s\"",
                 r->status, (unsigned long long)bytes,
                 r->error[0] ? r->error : status_text(r->status));
        mg_disable_connection_keep_alive(c);
}

/* Streams the table in chunks; each chunk is one request to the Kafka
 * thread, so ingestion goes on between chunks. */
static int api_export(struct web_server *ws, struct mg_connection *c,
                      const char *query)
{
        uint64_t offset          = 0;
        uint64_t bytes           = 0;
        bool started             = false;
        struct csv_cursor cursor = {0};
        struct viewer v;
        if (viewer_parse(c, query, false, &v) != 0) {
                return 400;
        }
        for (;;) {
                struct hub_request r = {.kind   = HUB_REQ_CSV,
                                        .query  = query,
                                        .offset = offset,
                                        .limit  = CSV_CHUNK_ROWS,
                                        .cursor = cursor};
                memcpy(r.roles, v.roles, sizeof(r.roles));
                r.source = v.source;
                snapshot_hub_request(ws->hub, &r);
                if (r.status != 200) {
                        wire_buf_finish(&r.body);
                        if (!started) {
                                return respond_error(
                                    c, r.status,
                                    r.error[0] ? r.error
                                               : status_text(r.status),
                                    NULL);
                        }
                        export_cut(ws, c, &r, bytes);
                        return 200; /* no terminating chunk */
                }
                if (!started) {
                        head(c, 200, "text/csv; charset=utf-8", -1,
                             "Content-Disposition: attachment; "
                             "filename=\"export.csv\"\r\n");
                        started = true;
                }
                if (r.body.len &&
                    mg_send_chunk(c, r.body.data, (unsigned)r.body.len) < 0) {
                        wire_buf_finish(&r.body);
                        mg_disable_connection_keep_alive(c); /* client gone */
                        return 200;
                }
                bytes += r.body.len;
                wire_buf_finish(&r.body);
                if (!r.more) {
                        break;
                }
                offset += CSV_CHUNK_ROWS;
                cursor = r.cursor; /* the next chunk starts after its row */
        }
        mg_send_chunk(c, "", 0);
        return 200;
}

/* The viewer's roles and source in a query (?value=price&source=a.csv):
 * each role given is decoded into v->buf and pointed to from v->roles (NULL
 * when absent); v->source is NULL when absent or empty (every source).
 * With only_roles, any other parameter is an error. @returns 0, or -1 with
 * an answer sent. */
static int viewer_parse(struct mg_connection *c, const char *q, bool only_roles,
                        struct viewer *v)
{
        char(*buf)[ROLE_COLUMN_MAX] = v->buf;
        const char **roles          = v->roles;
        size_t qlen                 = q ? strlen(q) : 0;
        for (const char *p = q; only_roles && p && *p;) {
                const char *end = strchr(p, '&');
                end             = end ? end : p + strlen(p);
                const char *eq  = memchr(p, '=', (size_t)(end - p));
                size_t klen     = (size_t)((eq ? eq : end) - p);
                bool known      = (klen == 0 && end == p) || /* "&&" */
                             (klen == 6 && memcmp(p, "source", 6) == 0);
                for (int i = 0; i < AGGREGATES_ROLE_COUNT && !known; i++) {
                        const char *name = aggregates_role_name(i);
                        known =
                            strlen(name) == klen && memcmp(p, name, klen) == 0;
                }
                if (!known) {
                        respond_error(c, 400, "unknown parameter", NULL);
                        return -1;
                }
                p = *end ? end + 1 : end;
        }
        for (int i = 0; i < AGGREGATES_ROLE_COUNT; i++) {
                int n    = mg_get_var(q, qlen, aggregates_role_name(i), buf[i],
                                      ROLE_COLUMN_MAX);
                roles[i] = n >= 0 ? buf[i] : NULL;
                if (n < -1) {
                        respond_error(c, 400, "column name too long", NULL);
                        return -1;
                }
        }
        int n = mg_get_var(q, qlen, "source", v->source_buf, SOURCE_ID_MAX);
        if (n < -1) {
                respond_error(c, 400, "source id too long", NULL);
                return -1;
        }
        v->source = n > 0 ? v->source_buf : NULL;
        return 0;
}

/* 200 {"status":"ok"} while the view can be trusted; 503 with the reason
 * while Kafka is unreachable, the topic missing, ... (dashboard_health.h),
 * or "starting" before the first snapshot. */
static int healthz(struct web_server *ws, struct mg_connection *c)
{
        struct hub_blob *b   = snapshot_hub_acquire(ws->hub);
        struct wire_buf body = {0};
        bool ok              = b && !b->health_reason;
        int rc;

        wire_buf_printf(&body, "{\"status\":\"%s\",\"caught_up\":%s",
                        !b   ? "starting"
                        : ok ? "ok"
                             : "degraded",
                        b && b->caught_up ? "true" : "false");
        if (b && b->health_reason) {
                wire_buf_printf(&body, ",\"reason\":");
                wire_buf_append_json_string(&body, b->health_reason,
                                            strlen(b->health_reason));
        }
        wire_buf_printf(&body, "}");
        snapshot_hub_release(ws->hub, b);
        rc = respond(c, ok ? 200 : 503, "application/json",
                     body.data ? body.data : "{}", body.data ? body.len : 2,
                     NULL);
        wire_buf_finish(&body);
        return rc;
}

static int metrics(struct web_server *ws, struct mg_connection *c)
{
        struct hub_blob *b = snapshot_hub_acquire(ws->hub);
        struct hub_stats st;
        snapshot_hub_stats(ws->hub, &st);
        struct wire_buf out = {0};
        if (b) {
                wire_buf_append(&out, b->metrics, b->metrics_len);
        }
        snapshot_hub_release(ws->hub, b);
        const struct prom_metric m[] = {
            {"dashboard_viewers", PROM_GAUGE, "WebSocket viewers connected",
             (int64_t)st.viewers},
            {"dashboard_ws_pushes_total", PROM_COUNTER,
             "Snapshots written to viewers", (int64_t)st.pushes},
            {"dashboard_ws_skipped_total", PROM_COUNTER,
             "Snapshots a busy viewer skipped", (int64_t)st.skipped},
            {"dashboard_ws_rejected_total", PROM_COUNTER,
             "Viewers refused over --max-connections",
             (int64_t)st.rejected_viewers},
            {"dashboard_exports_cut_total", PROM_COUNTER,
             "CSV exports cut short (a new generation or source during "
             "the export): ended without their last chunk",
             (int64_t)atomic_load(&ws->exports_cut)},
        };
        (void)prom_write(&out, m, sizeof(m) / sizeof(m[0])); /* no memory:
                                                        the text is short */
        respond(c, 200, "text/plain; version=0.0.4", out.data, out.len, NULL);
        wire_buf_finish(&out);
        return 200;
}

static int serve_asset(struct mg_connection *c, const char *path)
{
        if (strcmp(path, "/") == 0) {
                path = "/index.html";
        }
        for (size_t i = 0; i < dashboard_assets_count; i++) {
                const struct asset *a = &dashboard_assets[i];
                if (strcmp(a->path, path) == 0) {
                        return respond(c, 200, a->content_type, a->data, a->len,
                                       NULL);
                }
        }
        return respond_error(c, 404, "not found", NULL);
}

static bool is_route(const char *path)
{
        static const char *const routes[] = {
            "/api/snapshot", "/api/rows", "/api/categories", "/api/export.csv",
            "/healthz",      "/metrics",  "/api/roles",      "/api/sources"};
        for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
                if (strcmp(path, routes[i]) == 0) {
                        return true;
                }
        }
        for (size_t i = 0; i < dashboard_assets_count; i++) {
                if (strcmp(path, dashboard_assets[i].path) == 0) {
                        return true;
                }
        }
        return strcmp(path, "/") == 0;
}

static int handle(struct mg_connection *c, void *cbdata)
{
        struct web_server *ws            = cbdata;
        const struct mg_request_info *ri = mg_get_request_info(c);
        const char *path                 = ri->local_uri ? ri->local_uri : "/";
        if (!web_auth_check(c, ws->cfg.auth)) {
                return respond_error(c, 401, "authentication required",
                                     "WWW-Authenticate: Basic "
                                     "realm=\"consumer-dashboard\", "
                                     "charset=\"UTF-8\"\r\n");
        }
        if (!is_route(path)) {
                return respond_error(c, 404, "not found", NULL);
        }
        const char *q = ri->query_string;
        if (strcmp(path, "/api/roles") == 0) {
                /* Roles were global once; now each viewer has its own. */
                return respond_error(c, 410,
                                     "roles are per viewer: add ?value=, "
                                     "&category=, &age=, &label= to "
                                     "/api/snapshot or the page's address",
                                     NULL);
        }
        if (strcmp(ri->request_method, "GET") != 0) {
                return respond_error(c, 405, "method not allowed",
                                     "Allow: GET\r\n");
        }
        if (strcmp(path, "/api/snapshot") == 0) {
                return q && *q ? api_request(ws, c, HUB_REQ_SNAPSHOT, q, true)
                               : api_snapshot(ws, c);
        }
        if (strcmp(path, "/api/rows") == 0) {
                return api_request(ws, c, HUB_REQ_ROWS, q, false);
        }
        if (strcmp(path, "/api/categories") == 0) {
                return api_request(ws, c, HUB_REQ_CATEGORIES, q, true);
        }
        if (strcmp(path, "/api/sources") == 0) {
                if (q && *q) {
                        return respond_error(c, 400,
                                             "/api/sources takes no "
                                             "parameters",
                                             NULL);
                }
                return api_request(ws, c, HUB_REQ_SOURCES, NULL, true);
        }
        if (strcmp(path, "/api/export.csv") == 0) {
                return api_export(ws, c, q);
        }
        if (strcmp(path, "/healthz") == 0) {
                return healthz(ws, c);
        }
        if (strcmp(path, "/metrics") == 0) {
                return metrics(ws, c);
        }
        return serve_asset(c, path);
}

/* ---- WebSocket ---- */

/* Same origin (Origin's host equals the Host header) or the one allowed
 * extra origin. Clients that send no Origin are not browsers, and only
 * browsers can be tricked into cross-site requests. */
static bool origin_ok(const struct web_server *ws, struct mg_connection *c)
{
        const char *origin = mg_get_header(c, "Origin");
        if (!origin) {
                return true;
        }
        if (ws->cfg.allowed_origin &&
            strcmp(origin, ws->cfg.allowed_origin) == 0) {
                return true;
        }
        const char *host   = mg_get_header(c, "Host");
        const char *scheme = ws->cfg.tls_cert ? "https://" : "http://";
        size_t sl          = strlen(scheme);
        return host && strncasecmp(origin, scheme, sl) == 0 &&
               strcasecmp(origin + sl, host) == 0;
}

/*
 * Viewer lifecycle. A viewer takes its place in the hub here, before the
 * upgrade, so that one over --max-connections is answered 503 and its
 * connection closed at once: a refused viewer never holds a worker thread
 * (F3). The place is given back in ws_close, or, when the handshake failed
 * after this (civetweb then calls neither ws_ready nor ws_close), in
 * connection_closed.
 */
static int ws_connect(const struct mg_connection *cc, void *cbdata)
{
        struct web_server *ws   = cbdata;
        struct mg_connection *c = (struct mg_connection *)cc;
        if (!web_auth_check(c, ws->cfg.auth)) {
                return 1;
        }
        if (!origin_ok(ws, c)) {
                log_warn("event=ws_origin_rejected origin=\"%.200s\"",
                         mg_get_header(c, "Origin"));
                return 1;
        }
        struct hub_viewer *v =
            snapshot_hub_viewer_add(ws->hub, c, ws->cfg.max_connections);
        if (!v) {
                respond_error(c, 503, "too many viewers",
                              "Connection: close\r\nRetry-After: " WS_RETRY_S
                              "\r\n");
                return 1;
        }
        mg_set_user_connection_data(c, v);
        return 0;
}

static void ws_ready(struct mg_connection *c, void *cbdata)
{
        struct web_server *ws = cbdata;
        snapshot_hub_viewer_ready(ws->hub, mg_get_user_connection_data(c));
}

/* Viewers send nothing but pongs and a close. civetweb 1.15 has read the
 * whole frame into memory before this is called, so the 4 KB limit cannot
 * bound memory (F2, see docs/reliability.md); closing on the first data
 * frame at least frees it at once and ends the connection. */
static int ws_data(struct mg_connection *c, int bits, char *data, size_t len,
                   void *cbdata)
{
        (void)c;
        (void)data;
        (void)cbdata;
        int opcode = bits & 0xF;
        if (len > WS_MESSAGE_MAX) {
                log_warn("event=ws_frame_too_large bytes=%zu", len);
                return 0; /* close */
        }
        return opcode == MG_WEBSOCKET_OPCODE_PING ||
               opcode == MG_WEBSOCKET_OPCODE_PONG; /* 0 closes */
}

static void ws_close(const struct mg_connection *cc, void *cbdata)
{
        struct web_server *ws   = cbdata;
        struct mg_connection *c = (struct mg_connection *)cc;
        struct hub_viewer *v    = mg_get_user_connection_data(c);
        mg_set_user_connection_data(c, NULL);
        snapshot_hub_viewer_remove(ws->hub, v);
}

/* Every connection's end, with civetweb's connection lock held. A viewer
 * still set here passed ws_connect but its handshake failed: it never
 * became ready, so no pusher can be writing to it and removing it does not
 * wait. */
/* civetweb starts one worker per --max-connections: they allocate seldom,
 * so none keeps a cache of freed blocks of its own. */
static void *init_thread(const struct mg_context *ctx, int thread_type)
{
        (void)ctx;
        if (thread_type == 1) {
                allocator_light_thread();
        }
        return NULL;
}

static void connection_closed(const struct mg_connection *cc)
{
        struct mg_connection *c = (struct mg_connection *)cc;
        struct hub_viewer *v    = mg_get_user_connection_data(c);
        if (v) {
                struct web_server *ws = mg_get_user_data(mg_get_context(c));
                mg_set_user_connection_data(c, NULL);
                snapshot_hub_viewer_remove(ws->hub, v);
        }
}

static void *pusher(void *arg)
{
        struct web_server *ws = arg;
        for (;;) {
                void *conn;
                struct hub_blob *b;
                struct hub_viewer *v =
                    snapshot_hub_push_next(ws->hub, &conn, &b);
                if (!v) {
                        return NULL;
                }
                int rc = mg_websocket_write(conn, MG_WEBSOCKET_OPCODE_TEXT,
                                            b->json, b->json_len);
                snapshot_hub_push_done(ws->hub, v, b, rc > 0);
        }
}

static int log_message(const struct mg_connection *c, const char *message)
{
        log_warn("event=http_error message=\"%s\"", message);
        return 1;
}

struct web_server *web_server_start(const struct web_server_config *cfg,
                                    struct snapshot_hub *hub, char *errstr,
                                    size_t errstr_size)
{
        struct web_server *ws = calloc(1, sizeof(*ws));
        if (!ws) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        ws->hub = hub;
        ws->cfg = *cfg;
        char ports[300], threads[32];
        snprintf(ports, sizeof(ports), "%s%s", cfg->listen,
                 cfg->tls_cert ? "s" : "");
        snprintf(threads, sizeof(threads), "%zu",
                 cfg->max_connections + WORKER_THREADS_EXTRA);
        const char *options[32];
        int n                    = 0;
        const char *const base[] = {
            "listening_ports",
            ports,
            "num_threads",
            threads,
            "request_timeout_ms",
            TIMEOUT_MS,
            "keep_alive_timeout_ms",
            KEEP_ALIVE_MS,
            "websocket_timeout_ms",
            WS_PING_MS,
            "enable_websocket_ping_pong",
            "yes",
            "max_request_size",
            MAX_REQUEST_SIZE,
            "connection_queue",
            CONNECTION_QUEUE,
            "listen_backlog",
            CONNECTION_QUEUE,
            "enable_keep_alive",
            "yes",
            "enable_directory_listing",
            "no",
            "access_control_allow_origin",
            "",
            "tcp_nodelay",
            "1",
        };
        for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
                options[n++] = base[i];
        }
        if (cfg->tls_cert) {
                options[n++] = "ssl_certificate";
                options[n++] = cfg->tls_cert;
        }
        options[n]             = NULL;
        struct mg_callbacks cb = {.log_message      = log_message,
                                  .init_thread      = init_thread,
                                  .connection_close = connection_closed};
        mg_init_library(cfg->tls_cert ? MG_FEATURES_TLS : 0);
        ws->ctx = mg_start(&cb, ws, options);
        if (!ws->ctx) {
                snprintf(errstr, errstr_size,
                         "cannot listen on %s (in use, bad address, or bad "
                         "TLS certificate)",
                         cfg->listen);
                free(ws);
                mg_exit_library();
                return NULL;
        }
        mg_set_request_handler(ws->ctx, "/", handle, ws);
        mg_set_websocket_handler(ws->ctx, "/ws$", ws_connect, ws_ready, ws_data,
                                 ws_close, ws);
        for (; ws->npushers < WS_PUSHERS; ws->npushers++) {
                if (pthread_create(&ws->pushers[ws->npushers], NULL, pusher,
                                   ws) != 0) {
                        break;
                }
        }
        return ws;
}

struct stopper {
        struct mg_context *ctx;
        atomic_bool done;
};

static void *run_stop(void *arg)
{
        struct stopper *st = arg;

        mg_stop(st->ctx);
        atomic_store(&st->done, true);
        return NULL;
}

/* Opens and closes a connection to the listening address: civetweb's
 * accept loop looks at its stop flag only between two polls of up to 2 s,
 * and a connection ends the poll at once. */
static void poke(const char *listen)
{
        const char *colon = strrchr(listen, ':');
        char host[256];
        struct addrinfo hints = {0}, *res = NULL;
        size_t n = colon ? (size_t)(colon - listen) : 0;

        if (!colon || n >= sizeof(host)) {
                return;
        }
        memcpy(host, listen, n);
        host[n] = '\0';
        if (n >= 2 && host[0] == '[') { /* [v6] */
                memmove(host, host + 1, n - 2);
                host[n - 2] = '\0';
        }
        if (!host[0] || strcmp(host, "0.0.0.0") == 0) {
                snprintf(host, sizeof(host), "127.0.0.1");
        } else if (strcmp(host, "::") == 0) {
                snprintf(host, sizeof(host), "::1");
        }
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
                return;
        }
        for (struct addrinfo *a = res; a; a = a->ai_next) {
                int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK,
                                a->ai_protocol);
                if (fd >= 0) {
                        (void)connect(fd, a->ai_addr,
                                      a->ai_addrlen); /* async */
                        close(fd);
                }
        }
        freeaddrinfo(res);
}

void web_server_stop(struct web_server *ws)
{
        struct stopper st;
        pthread_t t;

        if (!ws) {
                return;
        }
        st.ctx = ws->ctx;
        atomic_init(&st.done, false);
        if (pthread_create(&t, NULL, run_stop, &st) == 0) {
                for (int i = 0; i < WS_STOP_POKES && !atomic_load(&st.done);
                     i++) {
                        poke(ws->cfg.listen);
                        (void)usleep(WS_STOP_POKE_US);
                }
                pthread_join(t, NULL);
        } else {
                mg_stop(ws->ctx);
        }
        snapshot_hub_close(ws->hub);
        for (int i = 0; i < ws->npushers; i++) {
                pthread_join(ws->pushers[i], NULL);
        }
        mg_exit_library();
        free(ws);
}
