// Open-file-description byte locks (Linux F_OFD_SETLK / F_OFD_GETLK), the mechanism qemu uses to keep two
// programs from writing one image: Platter honours qemu's locks and takes its own while it changes an image in
// place. An OFD lock belongs to the open file and goes away when it is closed. Elsewhere both calls report null.
#if defined(__linux__)
#define _GNU_SOURCE // F_OFD_SETLK and F_OFD_GETLK; must come before any system header
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#endif
#include <errno.h>
#include <string.h>
#include "addon.h"

static bool Args(napi_env env, napi_callback_info info, int32_t* fd, int64_t* offset, int64_t* length) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_int32(env, argv[0], fd) != napi_ok ||
      napi_get_value_int64(env, argv[1], offset) != napi_ok || napi_get_value_int64(env, argv[2], length) != napi_ok) {
    napi_throw_type_error(env, NULL, "(fd, offset, length)");
    return false;
  }
  return true;
}

static napi_value Bool(napi_env env, bool value) {
  napi_value result;
  napi_get_boolean(env, value, &result);
  return result;
}

static napi_value Null(napi_env env) {
  napi_value result;
  napi_get_null(env, &result);
  return result;
}

// sharedLock(fd, offset, length) -> true when taken, false when another open file holds a conflicting lock,
// null where OFD locks do not exist.
napi_value SharedLock(napi_env env, napi_callback_info info) {
  int32_t fd;
  int64_t offset, length;
  if (!Args(env, info, &fd, &offset, &length)) return NULL;
#if defined(__linux__) && defined(F_OFD_SETLK)
  struct flock lock = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = offset, .l_len = length, .l_pid = 0};
  if (fcntl(fd, F_OFD_SETLK, &lock) == 0) return Bool(env, true);
  if (errno == EAGAIN || errno == EACCES) return Bool(env, false);
  if (errno == EINVAL || errno == ENOLCK || errno == ENOTSUP) return Null(env);
  napi_throw_error(env, "EIO", strerror(errno));
  return NULL;
#else
  (void)fd, (void)offset, (void)length;
  return Null(env);
#endif
}

// lockedByOthers(fd, offset, length) -> whether another open file holds any lock in the range (one that would
// keep an exclusive lock out), null where OFD locks do not exist.
napi_value LockedByOthers(napi_env env, napi_callback_info info) {
  int32_t fd;
  int64_t offset, length;
  if (!Args(env, info, &fd, &offset, &length)) return NULL;
#if defined(__linux__) && defined(F_OFD_GETLK)
  struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = offset, .l_len = length, .l_pid = 0};
  if (fcntl(fd, F_OFD_GETLK, &lock) == 0) return Bool(env, lock.l_type != F_UNLCK);
  if (errno == EINVAL || errno == ENOLCK || errno == ENOTSUP) return Null(env);
  napi_throw_error(env, "EIO", strerror(errno));
  return NULL;
#else
  (void)fd, (void)offset, (void)length;
  return Null(env);
#endif
}
