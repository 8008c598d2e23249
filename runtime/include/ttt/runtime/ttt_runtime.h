/*===- ttt_runtime.h - C API of the thin TTT runtime --------------*- C -*-===//
 *
 * Loads a compiled artifact (JSON manifest + shared library, or a CUDA
 * module for target "cuda"), keeps the per-chain streaming state of a TTT
 * layer and runs prefill/decode through the artifact's entry point or
 * kernel. Whole models (docs/MODEL.md) have their own objects: ttt_model
 * and ttt_session. See docs/RUNTIME.md.
 *
 * Conventions: nothing is global. Every call that can fail returns a
 * ttt_status and, when `err` is non-null, fills it with the code and a
 * message. Objects also remember their last error (ttt_state_last_error).
 * Different states may be used from different threads at once; one state
 * must not be used by two threads at the same time.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TTT_RUNTIME_TTT_RUNTIME_H
#define TTT_RUNTIME_TTT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ttt_status {
  TTT_OK = 0,
  TTT_ERROR_IO = 1,          /* a file cannot be read or written */
  TTT_ERROR_FORMAT = 2,      /* malformed or inconsistent manifest */
  TTT_ERROR_VERSION = 3,     /* manifest format version not supported */
  TTT_ERROR_LIBRARY = 4,     /* the shared library is missing or not loadable */
  TTT_ERROR_ENTRY = 5,       /* the entry symbol is not in the library */
  TTT_ERROR_SHAPE = 6,       /* an array has the wrong rank or dims */
  TTT_ERROR_DTYPE = 7,       /* unknown dtype, or an array of the wrong one */
  TTT_ERROR_ARGUMENT = 8,    /* null pointer, wrong count, bad value */
  TTT_ERROR_UNSUPPORTED = 9, /* valid but not supported (too many args...) */
  TTT_ERROR_NO_DEVICE = 10,  /* the artifact's target device is not there */
  TTT_ERROR_OUT_OF_MEMORY = 11,
  TTT_ERROR_INTERNAL = 12
} ttt_status;

/* Element types; values match the manifest's "dtype" strings. */
typedef enum ttt_dtype {
  TTT_DTYPE_F32 = 0, /* "f32" */
  TTT_DTYPE_F64 = 1, /* "f64" */
  TTT_DTYPE_BF16 = 2 /* "bf16" */
} ttt_dtype;

/* What an entry parameter is (the manifest's "kind"; results of kind
 * "sequence" are TTT_ROLE_OUTPUT, results of kind "state" are paired with
 * their state argument and not listed separately). */
typedef enum ttt_role {
  TTT_ROLE_SEQUENCE = 0, /* per-token input: chain dims, T, feature dims */
  TTT_ROLE_STATE = 1,    /* fast weight: chain dims, weight dims */
  TTT_ROLE_PARAM = 2,    /* per-chain constant: chain dims, dims */
  TTT_ROLE_SHARED = 3,   /* no chain dims, passed whole */
  TTT_ROLE_OUTPUT = 4    /* per-token output: chain dims, T, feature dims */
} ttt_role;

enum { TTT_ERROR_MESSAGE_SIZE = 512 };

typedef struct ttt_error {
  ttt_status code;
  char message[TTT_ERROR_MESSAGE_SIZE];
} ttt_error;

/* A dense, row-major (C-ordered) array the caller owns. `size_bytes` must
 * be at least the bytes the shape needs; the runtime checks it. */
typedef struct ttt_tensor {
  ttt_dtype dtype;
  int32_t rank;
  const int64_t *shape;
  void *data;
  size_t size_bytes;
} ttt_tensor;

/* Description of one manifest entry, owned by the artifact. */
typedef struct ttt_arg_info {
  const char *name;
  ttt_role role;
  ttt_dtype dtype;
  int32_t rank;
  const int64_t *shape;    /* -1 = dynamic */
  const char *result_name; /* state: its result's name; others: NULL */
} ttt_arg_info;

typedef struct ttt_artifact ttt_artifact;
typedef struct ttt_state ttt_state;

/* Short name of a status, e.g. "TTT_ERROR_SHAPE". */
const char *ttt_status_name(ttt_status s);
/* "f32", "f64", "bf16"; and the element size in bytes (0 if unknown). */
const char *ttt_dtype_name(ttt_dtype t);
size_t ttt_dtype_size(ttt_dtype t);

/*--- Artifacts ------------------------------------------------------------*/

/* Parses and validates the manifest at `path`, dlopens its library and
 * resolves the entry symbol. On failure *out is NULL. */
ttt_status ttt_artifact_load(const char *path, ttt_artifact **out,
                             ttt_error *err);
void ttt_artifact_free(ttt_artifact *a);
/* The manifest's "target": "cpu" or "cuda". */
const char *ttt_artifact_target(const ttt_artifact *a);

/* Whether `device` ("cpu" or "cuda") can run artifacts here. "cuda" loads
 * the driver and looks for device 0: TTT_ERROR_NO_DEVICE with a message
 * ("no CUDA driver (libcuda.so.1 not found)", "no CUDA device ...") when
 * it cannot. On success `info` (may be NULL) receives a one-line
 * description of the device. */
ttt_status ttt_device_probe(const char *device, char *info, size_t info_size,
                            ttt_error *err);

int64_t ttt_artifact_chunk_size(const ttt_artifact *a);
int32_t ttt_artifact_chain_rank(const ttt_artifact *a);
/* Number of entries of one role, and the i-th in manifest order. The
 * position of an entry among those of its role is the index the state and
 * prefill calls use. */
size_t ttt_artifact_count(const ttt_artifact *a, ttt_role role);
ttt_status ttt_artifact_info(const ttt_artifact *a, ttt_role role, size_t i,
                             ttt_arg_info *out);

/*--- States ---------------------------------------------------------------*/

typedef struct ttt_state_config {
  const int64_t *chain_dims; /* chain_rank entries, each >= 1 */
  const ttt_tensor *states;  /* initial fast weights, TTT_ROLE_STATE order */
  size_t num_states;
  const ttt_tensor *params; /* TTT_ROLE_PARAM order */
  size_t num_params;
  const ttt_tensor *shared; /* TTT_ROLE_SHARED order */
  size_t num_shared;
  int32_t num_threads; /* 0 = hardware concurrency */
} ttt_state_config;

/* Copies every array in; the caller's buffers may be freed afterwards.
 * The artifact must outlive the state. */
ttt_status ttt_state_create(const ttt_artifact *a, const ttt_state_config *c,
                            ttt_state **out, ttt_error *err);
void ttt_state_free(ttt_state *s);
/* Back to the initial fast weights, no tokens seen. */
ttt_status ttt_state_reset(ttt_state *s);
ttt_status ttt_state_set_threads(ttt_state *s, int32_t num_threads);

/* Chain dims (chain_rank of them) and tokens seen since create/reset. */
const int64_t *ttt_state_chain_dims(const ttt_state *s);
int64_t ttt_state_tokens_seen(const ttt_state *s);
/* Copies the i-th fast weight after the last token seen into `dst`
 * (shape: chain dims + weight dims, as given at create). */
ttt_status ttt_state_read_weights(ttt_state *s, size_t i,
                                  const ttt_tensor *dst);
/* Bytes the state holds (weights, constants, token buffer); it does not
 * grow with the tokens seen. */
size_t ttt_state_memory_bytes(const ttt_state *s);
/* The last error on this state ("" if none). */
const ttt_error *ttt_state_last_error(const ttt_state *s);

/* Feeds n >= 1 new tokens of every chain. `inputs` are the TTT_ROLE_SEQUENCE
 * arrays [chain dims, n, features...], `outputs` the caller-allocated
 * TTT_ROLE_OUTPUT arrays of the same form. Any split of a sequence over
 * calls gives the same outputs and weights as one call. */
ttt_status ttt_prefill(ttt_state *s, int64_t n, const ttt_tensor *inputs,
                       size_t num_inputs, const ttt_tensor *outputs,
                       size_t num_outputs, ttt_error *err);
/* ttt_prefill with n = 1. */
ttt_status ttt_decode(ttt_state *s, const ttt_tensor *inputs, size_t num_inputs,
                      const ttt_tensor *outputs, size_t num_outputs,
                      ttt_error *err);

/*--- Models (docs/MODEL.md) -----------------------------------------------*/

/* A whole language model: a manifest with "kind": "model", its library of
 * prefill/decode entries over one sequence, and its packed f32 weights. */
typedef struct ttt_model ttt_model;
/* `batch` independent sequences of one model: their per-sequence state
 * blobs and the tokens seen. */
typedef struct ttt_session ttt_session;

/* Parses and validates the model manifest at `path`, checks and dlopens its
 * library and resolves every entry symbol. A layer artifact manifest is
 * TTT_ERROR_FORMAT (load it with ttt_artifact_load; ttt_artifact_load
 * likewise refuses model manifests). Target "cuda": the library must
 * export ttt_gpu_shim_take_error (TTT_ERROR_ENTRY), then the CUDA driver
 * and device 0 are opened (TTT_ERROR_NO_DEVICE without them, as for
 * ttt_artifact_load); the weights, states and logits live in device
 * memory. On failure *out is NULL. */
ttt_status ttt_model_load(const char *path, ttt_model **out, ttt_error *err);
/* Reads the weights from a .safetensors file: every manifest weight must
 * be there, dtype F32, with exactly the manifest's shape; a tensor that is
 * not a weight is an error unless the manifest lists it in "tied" (then it
 * must have its target's shape and dtype; its values are ignored). Errors
 * name the file and the tensor. On failure the model keeps the weights it
 * had. Sessions see new weights from their next call; their states keep
 * their values until reset. Not concurrently with any session call. */
ttt_status ttt_model_load_weights(ttt_model *m, const char *safetensors_path,
                                  ttt_error *err);
void ttt_model_free(ttt_model *m);
int64_t ttt_model_vocab_size(const ttt_model *m);
int64_t ttt_model_mini_batch_size(const ttt_model *m);
/* Elements of state `name` (per sequence), or -1 if there is none. */
int64_t ttt_model_state_size(const ttt_model *m, const char *name);
/* Whether ttt_model_load_weights has succeeded. */
int ttt_model_has_weights(const ttt_model *m);
/* The manifest's target: "cpu" or "cuda". */
const char *ttt_model_target(const ttt_model *m);
/* Where the entries run: "cpu", or the CUDA device ("CUDA device 0: NVIDIA
 * H100 80GB HBM3 (sm_90, ...)"). */
const char *ttt_model_device(const ttt_model *m);

/* Needs the weights loaded. Every sequence starts at position 0 with its
 * states set to their "init" (a copy of a weight, or zeros). Uses
 * `num_threads` = hardware concurrency (see ttt_session_set_threads). The
 * model must outlive the session. */
ttt_status ttt_session_create(const ttt_model *m, int64_t batch,
                              ttt_session **out, ttt_error *err);
void ttt_session_free(ttt_session *s);
/* Back to position 0 and the states' init values (from the weights loaded
 * now). */
ttt_status ttt_session_reset(ttt_session *s);
/* Sequences run in parallel on the session's pool; 0 = hardware
 * concurrency. A cuda model's sequences run one after the other on the
 * calling thread (num_threads is ignored). */
ttt_status ttt_session_set_threads(ttt_session *s, int32_t num_threads);

/* Feeds n >= 1 tokens to every sequence: `tokens` is [batch][n] token ids
 * in [0, vocab_size) (checked first: a bad id changes nothing). Writes the
 * logits after each sequence's last token to `logits` [batch][vocab_size]
 * (may be NULL). Per sequence, the span is split as docs/MODEL.md says:
 * decode steps up to the next mini-batch boundary, the largest prefill
 * entries that fit, decode steps for the rest; so any split of a sequence
 * over calls gives the same logits up to fp32 rounding. `tokens` and
 * `logits` are host memory for every target. Cuda: a failed entry call
 * (its message names the entry) leaves the session to be reset. */
ttt_status ttt_session_prefill(ttt_session *s, int64_t n, const int32_t *tokens,
                               float *logits, ttt_error *err);
/* ttt_session_prefill with n = 1: `tokens` is [batch]. */
ttt_status ttt_session_decode(ttt_session *s, const int32_t *tokens,
                              float *logits, ttt_error *err);
int64_t ttt_session_batch(const ttt_session *s);
/* Tokens fed to each sequence since create/reset. */
int64_t ttt_session_tokens_seen(const ttt_session *s);
/* Copies state `name` of sequence `seq` (after its last token) to `out`,
 * which holds `count` >= ttt_model_state_size floats. */
ttt_status ttt_session_read_state(ttt_session *s, int64_t seq, const char *name,
                                  float *out, size_t count, ttt_error *err);
/* Bytes the session holds (state blobs, logits scratch); it does not grow
 * with the tokens seen. The model's weights are not counted. Host memory
 * only: a cuda session's blobs are counted by ttt_session_device_bytes. */
size_t ttt_session_memory_bytes(const ttt_session *s);
/* Device memory the session holds (cuda: state blobs, logits, a token
 * buffer); 0 for a cpu model. */
size_t ttt_session_device_bytes(const ttt_session *s);
/* The last error on this session ("" if none). */
const ttt_error *ttt_session_last_error(const ttt_session *s);

#ifdef __cplusplus
}
#endif

#endif /* TTT_RUNTIME_TTT_RUNTIME_H */
