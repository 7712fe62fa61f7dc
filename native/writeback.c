// Starts writing a range of dirty pages to disk without waiting for it (Linux sync_file_range), so the final
// fsync of a large output has little left to do. Elsewhere it is a no-op reporting false: callers then fall
// back to periodic fdatasync.
#if defined(__linux__)
#define _GNU_SOURCE // sync_file_range; must come before any system header
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#endif
#include <errno.h>
#include <string.h>
#include "addon.h"

// startWriteback(fd, offset, length) -> true when writeback was started; throws on a real I/O error.
napi_value StartWriteback(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = 0;
  int64_t offset = 0, length = 0;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_int64(env, argv[1], &offset) != napi_ok || napi_get_value_int64(env, argv[2], &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "startWriteback(fd, offset, length)");
    return NULL;
  }
  bool started = false;
#if defined(__linux__)
  if (sync_file_range(fd, (off64_t)offset, (off64_t)length, SYNC_FILE_RANGE_WRITE) == 0) {
    started = true;
  } else if (errno != ENOSYS && errno != EINVAL && errno != ESPIPE) {
    napi_throw_error(env, "EIO", strerror(errno));
    return NULL;
  }
#endif
  napi_value result;
  napi_get_boolean(env, started, &result);
  return result;
}
