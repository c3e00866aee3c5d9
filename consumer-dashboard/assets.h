/* SPDX-License-Identifier: MIT */
#ifndef DASHBOARD_ASSETS_H
#define DASHBOARD_ASSETS_H

/*
 * The page's files, built into the binary by web/embed_assets.py from
 * consumer-dashboard/web/ and Debian's libjs-chart.js.
 */

#include <stddef.h>

struct asset {
        const char *path; /* URL path, e.g. "/app.js" */
        const char *content_type;
        const unsigned char *data;
        size_t len;
};

extern const struct asset dashboard_assets[];
extern const size_t dashboard_assets_count;

#endif
