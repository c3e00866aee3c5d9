/* SPDX-License-Identifier: MIT */
#include "metadata_watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define METADATA_INTERVAL_MS 2000
/* Below a second: stopping waits for a request in flight, and SIGTERM must
 * end the dashboard within a second even when the broker is gone. A slow
 * answer is asked for again at the next interval. */
#define METADATA_TIMEOUT_MS  900
#define WATERMARK_TIMEOUT_MS 900
#define MAX_PARTITIONS       4096
#define MS_PER_S             1000
#define NS_PER_MS            1000000

struct watched {
        int n; /* -1: unknown */
        int64_t *lo, *hi;
};

struct metadata_watch {
        struct metadata_watch_config cfg;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool stop;
        struct watched t[METADATA_WATCH_TOPICS]; /* under lock */
        struct metadata_watch_status status;     /* under lock */
};

/* The partition count of a topic: 0 when it does not exist yet, -1 when
 * the broker did not answer. */
static int partition_count(struct metadata_watch *mw, int k)
{
        const struct rd_kafka_metadata *md;
        rd_kafka_resp_err_t err = rd_kafka_metadata(
            mw->cfg.rk, 0, mw->cfg.topics[k], &md, METADATA_TIMEOUT_MS);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                pthread_mutex_lock(&mw->lock);
                mw->status.answered  = true;
                mw->status.reachable = false;
                snprintf(mw->status.error, sizeof(mw->status.error), "%s",
                         rd_kafka_err2str(err));
                pthread_mutex_unlock(&mw->lock);
                return -1;
        }
        int n = 0, leaderless = 0;
        if (md->topic_cnt == 1 && md->topics[0].err == 0) {
                n = md->topics[0].partition_cnt;
                for (int i = 0; i < n; i++) {
                        leaderless += md->topics[0].partitions[i].leader < 0;
                }
        }
        pthread_mutex_lock(&mw->lock);
        mw->status.answered      = true;
        mw->status.reachable     = true;
        mw->status.missing[k]    = n == 0;
        mw->status.leaderless[k] = leaderless;
        mw->status.error[0]      = '\0';
        pthread_mutex_unlock(&mw->lock);
        rd_kafka_metadata_destroy(md);
        return n > MAX_PARTITIONS ? MAX_PARTITIONS : n;
}

/* Reads topic k; adds partitions [known, n) with their watermarks. */
static bool look(struct metadata_watch *mw, int k)
{
        int n = partition_count(mw, k);
        pthread_mutex_lock(&mw->lock);
        int known = mw->t[k].n;
        pthread_mutex_unlock(&mw->lock);
        if (n < 0 || n == known || (n < known && known > 0)) {
                return false;
        }
        int from    = known > 0 ? known : 0;
        int64_t *lo = malloc((size_t)(n ? n : 1) * sizeof(*lo));
        int64_t *hi = malloc((size_t)(n ? n : 1) * sizeof(*hi));
        if (!lo || !hi) {
                free(lo);
                free(hi);
                return false;
        }
        pthread_mutex_lock(&mw->lock);
        if (from) {
                memcpy(lo, mw->t[k].lo, (size_t)from * sizeof(*lo));
                memcpy(hi, mw->t[k].hi, (size_t)from * sizeof(*hi));
        }
        pthread_mutex_unlock(&mw->lock);
        for (int i = from; i < n; i++) {
                if (rd_kafka_query_watermark_offsets(
                        mw->cfg.rk, mw->cfg.names[k], i, &lo[i], &hi[i],
                        WATERMARK_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                        lo[i] = hi[i] = 0;
                }
        }
        pthread_mutex_lock(&mw->lock);
        free(mw->t[k].lo);
        free(mw->t[k].hi);
        mw->t[k] = (struct watched){n, lo, hi};
        pthread_mutex_unlock(&mw->lock);
        return true;
}

static void *run(void *arg)
{
        struct metadata_watch *mw = arg;
        pthread_mutex_lock(&mw->lock);
        while (!mw->stop) {
                pthread_mutex_unlock(&mw->lock);
                /* Each topic's news goes out at once: the data topic's
                 * replay need not wait for the dead-letter topic's
                 * watermark queries. */
                for (int k = 0; k < METADATA_WATCH_TOPICS; k++) {
                        if (look(mw, k)) {
                                mw->cfg.wake(mw->cfg.ctx);
                        }
                }
                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_sec += METADATA_INTERVAL_MS / MS_PER_S;
                until.tv_nsec +=
                    (long)(METADATA_INTERVAL_MS % MS_PER_S) * NS_PER_MS;
                if (until.tv_nsec >= (long)MS_PER_S * NS_PER_MS) {
                        until.tv_sec++;
                        until.tv_nsec -= (long)MS_PER_S * NS_PER_MS;
                }
                pthread_mutex_lock(&mw->lock);
                while (!mw->stop &&
                       pthread_cond_timedwait(&mw->cond, &mw->lock, &until) !=
                           ETIMEDOUT) {
                }
        }
        pthread_mutex_unlock(&mw->lock);
        return NULL;
}

struct metadata_watch *
metadata_watch_start(const struct metadata_watch_config *cfg)
{
        struct metadata_watch *mw = calloc(1, sizeof(*mw));
        if (!mw) {
                return NULL;
        }
        mw->cfg = *cfg;
        for (int k = 0; k < METADATA_WATCH_TOPICS; k++) {
                mw->t[k].n = -1;
        }
        pthread_mutex_init(&mw->lock, NULL);
        pthread_cond_init(&mw->cond, NULL);
        if (pthread_create(&mw->thread, NULL, run, mw) != 0) {
                pthread_cond_destroy(&mw->cond);
                pthread_mutex_destroy(&mw->lock);
                free(mw);
                return NULL;
        }
        return mw;
}

void metadata_watch_stop(struct metadata_watch *mw)
{
        if (!mw) {
                return;
        }
        pthread_mutex_lock(&mw->lock);
        mw->stop = true;
        pthread_cond_signal(&mw->cond);
        pthread_mutex_unlock(&mw->lock);
        pthread_join(mw->thread, NULL);
        for (int k = 0; k < METADATA_WATCH_TOPICS; k++) {
                free(mw->t[k].lo);
                free(mw->t[k].hi);
        }
        pthread_cond_destroy(&mw->cond);
        pthread_mutex_destroy(&mw->lock);
        free(mw);
}

void metadata_watch_get_status(struct metadata_watch *mw,
                               struct metadata_watch_status *out)
{
        pthread_mutex_lock(&mw->lock);
        *out = mw->status;
        pthread_mutex_unlock(&mw->lock);
}

int metadata_watch_get(struct metadata_watch *mw, int k, int64_t *lo,
                       int64_t *hi, int cap)
{
        pthread_mutex_lock(&mw->lock);
        int n = mw->t[k].n;
        int m = n < cap ? n : cap;
        for (int i = 0; i < m; i++) {
                lo[i] = mw->t[k].lo[i];
                hi[i] = mw->t[k].hi[i];
        }
        pthread_mutex_unlock(&mw->lock);
        return n;
}
