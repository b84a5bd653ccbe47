#ifndef PAYOPS_CHIREDIS_SHIM_H
#define PAYOPS_CHIREDIS_SHIM_H

/* hiredis 0.14: no redisOptions and no TLS. redisCommand is variadic and
   does not import: callers use redisCommandArgv / redisAppendCommandArgv. */
#include <hiredis/hiredis.h>

static inline int payops_redis_reply_string(void) { return REDIS_REPLY_STRING; }
static inline int payops_redis_reply_array(void) { return REDIS_REPLY_ARRAY; }
static inline int payops_redis_reply_integer(void) { return REDIS_REPLY_INTEGER; }
static inline int payops_redis_reply_nil(void) { return REDIS_REPLY_NIL; }
static inline int payops_redis_reply_status(void) { return REDIS_REPLY_STATUS; }
static inline int payops_redis_reply_error(void) { return REDIS_REPLY_ERROR; }
static inline int payops_redis_ok(void) { return REDIS_OK; }

#endif
