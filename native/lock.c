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

// One OFD lock call: take a shared lock (F_OFD_SETLK, F_RDLCK), or ask whether an exclusive one would meet
// another open file's lock (F_OFD_GETLK, F_WRLCK). Null where OFD locks do not exist.
static napi_value OfdLock(napi_env env, napi_callback_info info, bool test) {
  int32_t fd;
  int64_t offset, length;
  if (!Args(env, info, &fd, &offset, &length)) return NULL;
#if defined(__linux__) && defined(F_OFD_SETLK) && defined(F_OFD_GETLK)
  struct flock lock = {
      .l_type = test ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = offset, .l_len = length, .l_pid = 0};
  if (fcntl(fd, test ? F_OFD_GETLK : F_OFD_SETLK, &lock) == 0) return Bool(env, test ? lock.l_type != F_UNLCK : true);
  if (!test && (errno == EAGAIN || errno == EACCES)) return Bool(env, false);
  if (errno == EINVAL || errno == ENOLCK || errno == ENOTSUP) return Null(env);
  napi_throw_error(env, "EIO", strerror(errno));
  return NULL;
#else
  (void)fd, (void)offset, (void)length, (void)test;
  return Null(env);
#endif
}

// sharedLock(fd, offset, length) -> true when taken, false when another open file holds a conflicting lock.
napi_value SharedLock(napi_env env, napi_callback_info info) {
  return OfdLock(env, info, false);
}

// lockedByOthers(fd, offset, length) -> whether another open file holds any lock in the range.
napi_value LockedByOthers(napi_env env, napi_callback_info info) {
  return OfdLock(env, info, true);
}
