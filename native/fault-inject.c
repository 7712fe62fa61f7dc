// Fault injection for test/fault (an LD_PRELOAD shim; not part of the addon, binding.gyp does not build it):
// makes the Nth call of one kind, on a file under one folder, fail with a chosen errno, so the tests see how
// Platter handles a disk that fails mid-operation. Calls on other files (Node's own, the terminal) pass through
// untouched and uncounted. Built by the tests: cc -shared -fPIC -O2 -o fault-inject.so fault-inject.c -ldl
//
//   PLATTER_FAULT_DIR     the folder, absolute and without symbolic links (tests pass a realpath)
//   PLATTER_FAULT_OP      the kind to fail: write, fsync, truncate, rename, writeback (sync_file_range) or
//                         dirsync (fsync of a folder); unset: count only
//   PLATTER_FAULT_AT      which call of that kind fails, from 1; 0 or unset: none
//   PLATTER_FAULT_ERRNO   EIO, ENOSPC, EDQUOT, EROFS or a number (default EIO)
//   PLATTER_FAULT_REPORT  a file outside the folder: one line per injected fault, and at exit the call counts
//
// libuv writes with pwrite64 (pwritev64 for several buffers), flushes with fsync/fdatasync, truncates with
// ftruncate64 and renames with rename; the addon starts writeback with sync_file_range. The other names are
// interposed too, so a libuv or glibc that picks another entry point is still caught.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum kind { WRITE, FSYNC, TRUNCATE, RENAME, WRITEBACK, DIRSYNC, KINDS };
static const char* const KIND_NAMES[KINDS] = {"write", "fsync", "truncate", "rename", "writeback", "dirsync"};

static char fault_dir[PATH_MAX];
static size_t fault_dir_length;
static int fault_kind = -1;
static long fault_at;
static int fault_errno = EIO;
static char report_path[PATH_MAX];
static long calls[KINDS];

// The real function behind an interposed name, looked up once (a benign race: every thread finds the same one).
#define REAL(name)                        \
  static __typeof__(&name) real_##name; \
  if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name);

static ssize_t raw_write(int fd, const void* buffer, size_t length) {
  REAL(write);
  return real_write(fd, buffer, length);
}

static void report(const char* line) {
  if (!report_path[0]) return;
  int fd = open(report_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  raw_write(fd, line, strlen(line));
  close(fd);
}

static int errno_named(const char* name) {
  if (!name || !*name) return EIO;
  if (!strcmp(name, "EIO")) return EIO;
  if (!strcmp(name, "ENOSPC")) return ENOSPC;
  if (!strcmp(name, "EDQUOT")) return EDQUOT;
  if (!strcmp(name, "EROFS")) return EROFS;
  int number = atoi(name);
  return number > 0 ? number : EIO;
}

__attribute__((constructor)) static void configure(void) {
  const char* dir = getenv("PLATTER_FAULT_DIR");
  if (dir && dir[0] == '/' && strlen(dir) < sizeof fault_dir) {
    strcpy(fault_dir, dir);
    fault_dir_length = strlen(fault_dir);
    while (fault_dir_length > 1 && fault_dir[fault_dir_length - 1] == '/') fault_dir[--fault_dir_length] = 0;
  }
  const char* op = getenv("PLATTER_FAULT_OP");
  for (int k = 0; op && k < KINDS; k++)
    if (!strcmp(op, KIND_NAMES[k])) fault_kind = k;
  const char* at = getenv("PLATTER_FAULT_AT");
  fault_at = at ? atol(at) : 0;
  fault_errno = errno_named(getenv("PLATTER_FAULT_ERRNO"));
  const char* path = getenv("PLATTER_FAULT_REPORT");
  if (path && strlen(path) < sizeof report_path) strcpy(report_path, path);
}

__attribute__((destructor)) static void report_counts(void) {
  char line[256];
  int n = snprintf(line, sizeof line, "counts");
  for (int k = 0; k < KINDS && n < (int)sizeof line; k++)
    n += snprintf(line + n, sizeof line - n, " %s=%ld", KIND_NAMES[k], __atomic_load_n(&calls[k], __ATOMIC_SEQ_CST));
  if (n < (int)sizeof line - 1) strcat(line, "\n");
  report(line);
}

static int under_fault_dir(const char* path) {
  return fault_dir_length > 0 && !strncmp(path, fault_dir, fault_dir_length) &&
         (path[fault_dir_length] == '/' || path[fault_dir_length] == 0);
}

static int fd_path(int fd, char* out, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, size - 1);
  if (n < 0) return 0;
  out[n] = 0;
  return 1;
}

// An absolute form of `path` (relative to the folder open as `dirfd`), without resolving links.
static int absolute(int dirfd, const char* path, char* out, size_t size) {
  if (!path) return 0;
  if (path[0] == '/') return snprintf(out, size, "%s", path) < (int)size;
  char base[PATH_MAX];
  if (dirfd == AT_FDCWD ? !getcwd(base, sizeof base) : !fd_path(dirfd, base, sizeof base)) return 0;
  return snprintf(out, size, "%s/%s", base, path) < (int)size;
}

// Counts a call of `kind` on `path` (NULL: not a file under the folder) and says whether it is the one to fail.
static int should_fail(int kind, const char* path, const char* function) {
  if (!path || !under_fault_dir(path)) return 0;
  long n = __atomic_add_fetch(&calls[kind], 1, __ATOMIC_SEQ_CST);
  if (kind != fault_kind || n != fault_at) return 0;
  char line[PATH_MAX + 128];
  snprintf(line, sizeof line, "fault %s %ld %s %s %s\n", KIND_NAMES[kind], n, function, strerror(fault_errno), path);
  report(line);
  return 1;
}

static int fd_should_fail(int kind, int fd, const char* function) {
  if (fault_dir_length == 0) return 0;
  char path[PATH_MAX];
  if (!fd_path(fd, path, sizeof path)) return 0;
  if (kind == FSYNC) {
    struct stat s;
    if (fstat(fd, &s) == 0 && S_ISDIR(s.st_mode)) kind = DIRSYNC;
  }
  return should_fail(kind, path, function);
}

static int path_should_fail(int kind, int dirfd, const char* path, const char* function) {
  if (fault_dir_length == 0) return 0;
  char full[PATH_MAX];
  return absolute(dirfd, path, full, sizeof full) && should_fail(kind, full, function);
}

#define FAIL_FD(kind, fd, function)           \
  if (fd_should_fail(kind, fd, function)) { \
    errno = fault_errno;                      \
    return -1;                                \
  }

ssize_t write(int fd, const void* buffer, size_t length) {
  FAIL_FD(WRITE, fd, "write");
  return raw_write(fd, buffer, length);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  REAL(writev);
  FAIL_FD(WRITE, fd, "writev");
  return real_writev(fd, iov, count);
}

ssize_t pwrite(int fd, const void* buffer, size_t length, off_t offset) {
  REAL(pwrite);
  FAIL_FD(WRITE, fd, "pwrite");
  return real_pwrite(fd, buffer, length, offset);
}

ssize_t pwrite64(int fd, const void* buffer, size_t length, off64_t offset) {
  REAL(pwrite64);
  FAIL_FD(WRITE, fd, "pwrite64");
  return real_pwrite64(fd, buffer, length, offset);
}

ssize_t pwritev(int fd, const struct iovec* iov, int count, off_t offset) {
  REAL(pwritev);
  FAIL_FD(WRITE, fd, "pwritev");
  return real_pwritev(fd, iov, count, offset);
}

ssize_t pwritev64(int fd, const struct iovec* iov, int count, off64_t offset) {
  REAL(pwritev64);
  FAIL_FD(WRITE, fd, "pwritev64");
  return real_pwritev64(fd, iov, count, offset);
}

ssize_t pwritev2(int fd, const struct iovec* iov, int count, off_t offset, int flags) {
  REAL(pwritev2);
  FAIL_FD(WRITE, fd, "pwritev2");
  return real_pwritev2(fd, iov, count, offset, flags);
}

ssize_t pwritev64v2(int fd, const struct iovec* iov, int count, off64_t offset, int flags) {
  REAL(pwritev64v2);
  FAIL_FD(WRITE, fd, "pwritev64v2");
  return real_pwritev64v2(fd, iov, count, offset, flags);
}

int fsync(int fd) {
  REAL(fsync);
  FAIL_FD(FSYNC, fd, "fsync");
  return real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(fdatasync);
  FAIL_FD(FSYNC, fd, "fdatasync");
  return real_fdatasync(fd);
}

int sync_file_range(int fd, off64_t offset, off64_t length, unsigned int flags) {
  REAL(sync_file_range);
  FAIL_FD(WRITEBACK, fd, "sync_file_range");
  return real_sync_file_range(fd, offset, length, flags);
}

int ftruncate(int fd, off_t length) {
  REAL(ftruncate);
  FAIL_FD(TRUNCATE, fd, "ftruncate");
  return real_ftruncate(fd, length);
}

int ftruncate64(int fd, off64_t length) {
  REAL(ftruncate64);
  FAIL_FD(TRUNCATE, fd, "ftruncate64");
  return real_ftruncate64(fd, length);
}

int truncate(const char* path, off_t length) {
  REAL(truncate);
  if (path_should_fail(TRUNCATE, AT_FDCWD, path, "truncate")) {
    errno = fault_errno;
    return -1;
  }
  return real_truncate(path, length);
}

int truncate64(const char* path, off64_t length) {
  REAL(truncate64);
  if (path_should_fail(TRUNCATE, AT_FDCWD, path, "truncate64")) {
    errno = fault_errno;
    return -1;
  }
  return real_truncate64(path, length);
}

// A rename counts when either name is under the folder (moving a file in, out or within it).
static int rename_should_fail(int from_dir, const char* from, int to_dir, const char* to, const char* function) {
  if (fault_dir_length == 0) return 0;
  char a[PATH_MAX], b[PATH_MAX];
  int has_a = absolute(from_dir, from, a, sizeof a), has_b = absolute(to_dir, to, b, sizeof b);
  const char* inside = has_a && under_fault_dir(a) ? a : has_b && under_fault_dir(b) ? b : NULL;
  return should_fail(RENAME, inside, function);
}

int rename(const char* from, const char* to) {
  REAL(rename);
  if (rename_should_fail(AT_FDCWD, from, AT_FDCWD, to, "rename")) {
    errno = fault_errno;
    return -1;
  }
  return real_rename(from, to);
}

int renameat(int from_dir, const char* from, int to_dir, const char* to) {
  REAL(renameat);
  if (rename_should_fail(from_dir, from, to_dir, to, "renameat")) {
    errno = fault_errno;
    return -1;
  }
  return real_renameat(from_dir, from, to_dir, to);
}

int renameat2(int from_dir, const char* from, int to_dir, const char* to, unsigned int flags) {
  REAL(renameat2);
  if (rename_should_fail(from_dir, from, to_dir, to, "renameat2")) {
    errno = fault_errno;
    return -1;
  }
  return real_renameat2(from_dir, from, to_dir, to, flags);
}
