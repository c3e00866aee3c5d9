/* SPDX-License-Identifier: MIT */
/* snapshot_hub: pushers woken one at a time still bring every viewer to
 * the latest snapshot: 8 pusher threads, 200 viewers (some slow), 300
 * publishes in bursts; then every viewer's last push is the last
 * snapshot, and a lone viewer gets each snapshot of a slow stream. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "snapshot_hub.h"

#define PUSHERS   8
#define VIEWERS   200
#define PUBLISHES 300
#define WAIT_MS   20000 /* a bounded wait, not a timing check */

struct fake_conn {
        int id;
        _Atomic uint64_t last_seq; /* of the last snapshot "written" */
        atomic_uint pushes;
};

static struct snapshot_hub *hub;
static struct fake_conn conns[VIEWERS];

static void *pusher(void *arg)
{
        (void)arg;
        for (;;) {
                void *conn;
                struct hub_blob *b;
                struct hub_viewer *v = snapshot_hub_push_next(hub, &conn, &b);
                if (!v) {
                        return NULL;
                }
                struct fake_conn *c = conn;
                if (c->id % 17 == 0) {
                        usleep(2000); /* a slow viewer */
                }
                atomic_store(&c->last_seq, b->seq);
                atomic_fetch_add(&c->pushes, 1);
                snapshot_hub_push_done(hub, v, b, true);
        }
}

static void publish(void)
{
        char *json = strdup("{}");
        snapshot_hub_publish(hub, json, 2, NULL, 0, true, NULL);
}

static uint64_t latest_seq(void)
{
        struct hub_blob *b = snapshot_hub_acquire(hub);
        uint64_t seq       = b ? b->seq : 0;
        snapshot_hub_release(hub, b);
        return seq;
}

/* Waits (bounded) until viewers [0, n) all had snapshot seq written. */
static int all_at(int n, uint64_t seq)
{
        for (int ms = 0; ms < WAIT_MS; ms++) {
                int behind = 0;
                for (int i = 0; i < n; i++) {
                        behind += atomic_load(&conns[i].last_seq) != seq;
                }
                if (!behind) {
                        return 1;
                }
                usleep(1000);
        }
        return 0;
}

int main(void)
{
        pthread_t threads[PUSHERS];
        static struct hub_viewer *views[VIEWERS];

        hub = snapshot_hub_create();
        CHECK(hub != NULL);
        for (int i = 0; i < PUSHERS; i++) {
                CHECK(pthread_create(&threads[i], NULL, pusher, NULL) == 0);
        }
        /* A lone viewer and a slow stream: each snapshot arrives. */
        conns[0].id = 1;
        views[0]    = snapshot_hub_viewer_add(hub, &conns[0], VIEWERS);
        snapshot_hub_viewer_ready(hub, views[0]);
        for (int k = 0; k < 20; k++) {
                publish();
                CHECK(all_at(1, latest_seq()));
        }
        CHECK_EQ_INT(atomic_load(&conns[0].pushes), 20);
        /* Many viewers, bursts of publishes, viewers joining meanwhile. */
        for (int i = 1; i < VIEWERS; i++) {
                conns[i].id = i;
        }
        for (int k = 0; k < PUBLISHES; k++) {
                int joining = 1 + k * (VIEWERS - 1) / PUBLISHES;
                if (joining < VIEWERS - 1 && !views[joining]) {
                        views[joining] = snapshot_hub_viewer_add(
                            hub, &conns[joining], VIEWERS);
                        snapshot_hub_viewer_ready(hub, views[joining]);
                }
                publish();
                if (k % 50 == 0) {
                        usleep(3000);
                }
        }
        for (int i = 1; i < VIEWERS - 1; i++) {
                if (!views[i]) {
                        views[i] =
                            snapshot_hub_viewer_add(hub, &conns[i], VIEWERS);
                        snapshot_hub_viewer_ready(hub, views[i]);
                }
        }
        publish();
        CHECK(all_at(VIEWERS - 1, latest_seq()));
        /* Ready after the last publish: it still gets that snapshot. */
        views[VIEWERS - 1] =
            snapshot_hub_viewer_add(hub, &conns[VIEWERS - 1], VIEWERS);
        snapshot_hub_viewer_ready(hub, views[VIEWERS - 1]);
        CHECK(all_at(VIEWERS, latest_seq()));
        for (int i = 0; i < VIEWERS; i++) {
                snapshot_hub_viewer_remove(hub, views[i]);
        }
        snapshot_hub_close(hub);
        for (int i = 0; i < PUSHERS; i++) {
                pthread_join(threads[i], NULL);
        }
        snapshot_hub_destroy(hub);
        return check_exit();
}
