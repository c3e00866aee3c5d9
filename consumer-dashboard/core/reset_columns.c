/* SPDX-License-Identifier: MIT */
#include "reset_columns.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "column.h"

struct reset_columns {
        cJSON *root; /* owns the names */
        struct aggregates_column *cols;
        size_t count;
        size_t cap;
        const char *reason, *producer; /* in root; NULL: absent */
        const char *source, *source_id;
};

struct reset_columns *reset_columns_create(void)
{
        return calloc(1, sizeof(struct reset_columns));
}

void reset_columns_destroy(struct reset_columns *rc)
{
        if (rc) {
                cJSON_Delete(rc->root);
                free(rc->cols);
                free(rc);
        }
}

static int push(struct reset_columns *rc, const char *name,
                enum value_type type, const char *unit)
{
        if (rc->count == rc->cap) {
                size_t cap = rc->cap ? rc->cap * 2 : 16;
                struct aggregates_column *c =
                    realloc(rc->cols, cap * sizeof(*c));
                if (!c) {
                        return -1;
                }
                rc->cols = c;
                rc->cap  = cap;
        }
        rc->cols[rc->count++] = (struct aggregates_column){
            .name = name, .type = type, .unit = unit};
        return 0;
}

/* A string member of the reset message, or NULL. */
static const char *member(const cJSON *root, const char *name)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

int reset_columns_parse(struct reset_columns *rc, const char *json, size_t len)
{
        cJSON_Delete(rc->root);
        rc->count     = 0;
        rc->reason    = NULL;
        rc->producer  = NULL;
        rc->source    = NULL;
        rc->source_id = NULL;
        rc->root      = cJSON_ParseWithLength(json, len);
        if (!cJSON_IsObject(rc->root)) {
                return -1;
        }
        rc->reason    = member(rc->root, "reason");
        rc->producer  = member(rc->root, "producer");
        rc->source    = member(rc->root, "source");
        rc->source_id = member(rc->root, "source_id");
        const cJSON *cols =
            cJSON_GetObjectItemCaseSensitive(rc->root, "columns");
        if (!cJSON_IsArray(cols)) {
                return 0;
        }
        const cJSON *c;
        cJSON_ArrayForEach(c, cols)
        {
                const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
                const cJSON *type = cJSON_GetObjectItemCaseSensitive(c, "type");
                const char *unit  = member(c, "unit");
                enum value_type t;
                if (!cJSON_IsString(name) || !cJSON_IsString(type) ||
                    value_type_parse(type->valuestring, &t) != 0) {
                        continue;
                }
                if (unit && (!*unit || strlen(unit) >= COLUMN_UNIT_MAX)) {
                        unit = NULL; /* not a currency symbol */
                }
                if (push(rc, name->valuestring, t, unit) != 0) {
                        return -1;
                }
        }
        return 0;
}

const struct aggregates_column *
reset_columns_list(const struct reset_columns *rc, size_t *count)
{
        *count = rc->count;
        return rc->cols;
}

const char *reset_columns_reason(const struct reset_columns *rc)
{
        return rc->reason;
}

const char *reset_columns_producer(const struct reset_columns *rc)
{
        return rc->producer;
}

const char *reset_columns_source(const struct reset_columns *rc, size_t *len)
{
        *len = rc->source ? strlen(rc->source) : 0;
        return rc->source;
}

const char *reset_columns_source_id(const struct reset_columns *rc)
{
        return rc->source_id;
}
