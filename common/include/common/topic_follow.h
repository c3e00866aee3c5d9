/* SPDX-License-Identifier: MIT */
#ifndef COMMON_TOPIC_FOLLOW_H
#define COMMON_TOPIC_FOLLOW_H

/*
 * A consumer that reads every partition of one topic without a consumer
 * group's offsets: the partitions are assigned by hand (also those added
 * later), nothing is committed, every start reads again from where the
 * caller says. For side topics read on a thread of their own (the status
 * topic). The caller's thread alone uses it.
 */

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "common/settings.h"

struct topic_follow;

enum topic_follow_props {
        TOPIC_FOLLOW_ALL_PROPS,    /* every -X property of the settings */
        TOPIC_FOLLOW_SHARED_PROPS, /* only those about reaching the cluster
                                    * (kafka_conf_apply_shared) */
};

/**
 * @brief Creates the consumer (brokers, then the settings' properties).
 *        since_ms < 0: read each partition from its beginning; else from
 *        its first message of time since_ms or later (epoch ms).
 * @returns it, or NULL with errstr set.
 */
struct topic_follow *topic_follow_create(const char *brokers, const char *topic,
                                         const char *client_name,
                                         const struct settings *s,
                                         enum topic_follow_props props,
                                         int64_t since_ms, char *errstr,
                                         size_t errstr_size);

/**
 * @brief Looks for (new) partitions every interval and assigns them, then
 *        waits up to timeout_ms for a message. Blocks.
 * @returns a message (destroy it), or NULL.
 */
rd_kafka_message_t *topic_follow_poll(struct topic_follow *tf,
                                      int64_t look_interval_ms, int timeout_ms);

/** @brief Partitions assigned so far (0 until the topic exists). */
int topic_follow_partitions(const struct topic_follow *tf);

/** @brief Closes the consumer and frees. NULL is a no-op. */
void topic_follow_destroy(struct topic_follow *tf);

#endif
