/* Octet: int8/fp32 inference for ncnn models on ARM boards — C API.
 *
 * Link with liboctet.a (static, plus -lpthread -ldl -lm) or liboctet.so.
 * Every function returns an OctetStatus (0 = OCTET_STATUS_OK) or a pointer
 * that may be null; octet_last_error() gives the message of the last failure
 * on the calling thread. Handles are not thread-safe; use one extractor per
 * thread. Generated from capi/src/lib.rs by cbindgen; a test fails when it
 * drifts (OCTET_BLESS=1 cargo test -p octet-capi rewrites it). */

#ifndef OCTET_H
#define OCTET_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

// Result of every call.
typedef enum OctetStatus {
  OCTET_STATUS_OK = 0,
  // A required pointer was null.
  OCTET_STATUS_ERR_NULL_ARG = 1,
  // A size, count or string was invalid.
  OCTET_STATUS_ERR_INVALID_ARG = 2,
  // A file could not be read.
  OCTET_STATUS_ERR_IO = 3,
  // The `.param` is malformed.
  OCTET_STATUS_ERR_PARAM = 4,
  // The `.bin` is malformed or does not match the `.param`.
  OCTET_STATUS_ERR_BIN = 5,
  // The calibration table is malformed.
  OCTET_STATUS_ERR_TABLE = 6,
  // A layer failed while running.
  OCTET_STATUS_ERR_LAYER = 7,
  // No blob has that name.
  OCTET_STATUS_ERR_BLOB_NOT_FOUND = 8,
  // An input is missing or has the wrong shape.
  OCTET_STATUS_ERR_INPUT = 9,
  // The caller's output buffer is too small (the shape is still written).
  OCTET_STATUS_ERR_BUFFER_TOO_SMALL = 10,
  // The call came in the wrong order (e.g. an extractor on an unloaded net).
  OCTET_STATUS_ERR_STATE = 11,
  // Octet panicked (a bug); the message says where.
  OCTET_STATUS_ERR_PANIC = 12,
} OctetStatus;

// One inference on a net; keeps the net alive.
typedef struct OctetExtractor OctetExtractor;

// A network: options, then a loaded model.
typedef struct OctetNet OctetNet;

// An extracted tensor: shape and tightly packed `c × d × h × w` floats.
typedef struct OctetTensor OctetTensor;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

// Library version, a static string.
const char *octet_version(void);

// Message of the last failed call on this thread ("" after a success).
// Valid until the next Octet call on this thread.
const char *octet_last_error(void);

// Creates an empty net (1 thread, int8 where the model has scales).
enum OctetStatus octet_net_create(struct OctetNet **out);

// Frees a net (null is ignored). Extractors made from it stay valid.
void octet_net_destroy(struct OctetNet *net);

// Worker threads (≥ 1). Before loading.
enum OctetStatus octet_net_set_threads(struct OctetNet *net, int threads);

// Pins the worker threads to `count` CPUs (round-robin). With one thread
// the work runs on the calling thread, which the caller pins. Before loading.
enum OctetStatus octet_net_set_cpu_affinity(struct OctetNet *net, const int *cpus, int count);

// 1: run int8 where the model (or table) has scales (the default); 0: fp32. Before loading.
enum OctetStatus octet_net_set_int8(struct OctetNet *net, int enabled);

// 1: trade speed for memory (int8 3×3 layers on small maps keep 1-byte
// weights instead of Winograd's larger transformed ones). Before loading.
enum OctetStatus octet_net_set_low_memory(struct OctetNet *net, int enabled);

// Loads `param_path` with weights from `bin_path` and, if not null, an int8
// calibration table. The `.bin` is memory-mapped while loading.
enum OctetStatus octet_net_load_files(struct OctetNet *net,
                                      const char *param_path,
                                      const char *bin_path,
                                      const char *table_path);

// Loads from memory (firmware without a filesystem): `.param` text, `.bin`
// bytes, and optionally table text (`table` null or `table_len` 0: none).
// The buffers may be freed after the call.
enum OctetStatus octet_net_load_memory(struct OctetNet *net,
                                       const char *param,
                                       size_t param_len,
                                       const uint8_t *bin,
                                       size_t bin_len,
                                       const char *table,
                                       size_t table_len);

// A new extractor on a loaded net. It keeps the net alive.
enum OctetStatus octet_extractor_create(const struct OctetNet *net, struct OctetExtractor **out);

// Frees an extractor (null is ignored).
void octet_extractor_destroy(struct OctetExtractor *ex);

// Sets input blob `name` from `w × h × c` floats in `c, h, w` order
// (`h = c = 1` for 1-D, `c = 1` for 2-D inputs: give `dims` 1, 2 or 3).
enum OctetStatus octet_extractor_set_input(struct OctetExtractor *ex,
                                           const char *name,
                                           const float *data,
                                           int dims,
                                           int w,
                                           int h,
                                           int c);

// Sets input blob `name` from `w × h × d × c` floats in `c, d, h, w` order:
// `dims` 1 to 4 (sizes beyond `dims` are ignored).
enum OctetStatus octet_extractor_set_input_4d(struct OctetExtractor *ex,
                                              const char *name,
                                              const float *data,
                                              int dims,
                                              int w,
                                              int h,
                                              int d,
                                              int c);

// Extracts blob `name` into the caller's buffer of `capacity` floats
// (`c, h, w` order). The shape is written to any non-null `dims`/`w`/`h`/`c`
// first; `OCTET_ERR_BUFFER_TOO_SMALL` if `capacity < w·h·c`. An empty blob
// (e.g. no detections) has dims 0. A 4-D blob reports dims 4 with its depth
// folded into `h` (`d·h` rows), so `w·h·c` is still its float count; use
// `octet_extractor_extract_tensor` and `octet_tensor_shape_4d` for `d`.
enum OctetStatus octet_extractor_extract(struct OctetExtractor *ex,
                                         const char *name,
                                         float *out,
                                         size_t capacity,
                                         int *dims,
                                         int *w,
                                         int *h,
                                         int *c);

// Extracts blob `name` into a new tensor handle (free with `octet_tensor_destroy`).
enum OctetStatus octet_extractor_extract_tensor(struct OctetExtractor *ex,
                                                const char *name,
                                                struct OctetTensor **out);

// Shape of a tensor (any out-pointer may be null). A 4-D tensor reports
// dims 4 with its depth folded into `h` (`d·h`); see `octet_tensor_shape_4d`.
enum OctetStatus octet_tensor_shape(const struct OctetTensor *t, int *dims, int *w, int *h, int *c);

// Shape of a tensor with its depth (`d` = 1 below 4-D; any out-pointer may be null).
enum OctetStatus octet_tensor_shape_4d(const struct OctetTensor *t,
                                       int *dims,
                                       int *w,
                                       int *h,
                                       int *d,
                                       int *c);

// The tensor's `w·h·c` floats in `c, h, w` order (null for a null tensor),
// valid until `octet_tensor_destroy`.
const float *octet_tensor_data(const struct OctetTensor *t);

// Frees a tensor (null is ignored).
void octet_tensor_destroy(struct OctetTensor *t);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* OCTET_H */
