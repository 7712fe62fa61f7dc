// Starts writing a range of dirty pages to disk without waiting for it (Linux sync_file_range), so the final
// fsync of a large output has little left to do. The call runs on a worker thread: it blocks while the device's
// queue is full, and the JavaScript thread must not. Elsewhere it reports false: callers then fall back to
// periodic fdatasync.
#if defined(__linux__)
#define _GNU_SOURCE // sync_file_range; must come before any system header
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "addon.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int32_t fd;
  int64_t offset, length;
  int result;  // 1 started, 0 unsupported, -errno on an I/O error
} WritebackJob;

static void ExecuteWriteback(napi_env env, void* data) {
  (void)env;
  WritebackJob* job = data;
  job->result = 0;
#if defined(__linux__)
  if (sync_file_range(job->fd, (off64_t)job->offset, (off64_t)job->length, SYNC_FILE_RANGE_WRITE) == 0)
    job->result = 1;
  else if (errno != ENOSYS && errno != EINVAL && errno != ESPIPE)
    job->result = -errno;
#endif
}

static void CompleteWriteback(napi_env env, napi_status status, void* data) {
  WritebackJob* job = data;
  napi_value value;
  if (status == napi_ok && job->result >= 0) {
    napi_get_boolean(env, job->result == 1, &value);
    napi_resolve_deferred(env, job->deferred, value);
  } else {
    napi_value message;
    napi_create_string_utf8(env, strerror(job->result < 0 ? -job->result : EIO), NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &value);
    napi_reject_deferred(env, job->deferred, value);
  }
  napi_delete_async_work(env, job->work);
  free(job);
}

// writeback(fd, offset, length) -> a Promise: true when writeback was started, false where it cannot be; rejects
// on an I/O error.
napi_value Writeback(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  WritebackJob* job = calloc(1, sizeof(WritebackJob));
  if (!job || argc < 3 || napi_get_value_int32(env, argv[0], &job->fd) != napi_ok ||
      napi_get_value_int64(env, argv[1], &job->offset) != napi_ok ||
      napi_get_value_int64(env, argv[2], &job->length) != napi_ok) {
    free(job);
    napi_throw_type_error(env, NULL, "writeback(fd, offset, length)");
    return NULL;
  }
  napi_value promise, name;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "platter.writeback", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, ExecuteWriteback, CompleteWriteback, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}
