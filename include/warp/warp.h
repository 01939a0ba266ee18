// The whole public API of the warp library: Stream (the front door) and the
// lower-level interfaces it is built from, for those who need them.
#ifndef WARP_WARP_H_
#define WARP_WARP_H_

#include "warp/clock.h"
#include "warp/compactor.h"
#include "warp/fetcher.h"
#include "warp/garbage_collector.h"
#include "warp/journal.h"
#include "warp/kafka_error.h"
#include "warp/local_object_store.h"
#include "warp/log_cleaner.h"
#include "warp/memory_object_store.h"
#include "warp/metadata.h"
#include "warp/metadata_commands.h"
#include "warp/metadata_store.h"
#include "warp/object_store.h"
#include "warp/object_store_url.h"
#include "warp/producer.h"
#include "warp/retention.h"
#include "warp/s3_object_store.h"
#include "warp/stream.h"

#endif  // WARP_WARP_H_
