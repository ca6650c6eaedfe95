/* Calls every function of the C API with null and invalid arguments (each
 * must return an error code, never crash), then runs a model from files and
 * from memory. Run under valgrind in CI.
 *   api_test MODEL.param MODEL.bin
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octet.h"

static int failures = 0;
#define EXPECT(cond)                                                                   \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: expected %s (last error: %s)\n", __FILE__, __LINE__, \
                    #cond, octet_last_error());                                        \
            failures++;                                                                \
        }                                                                              \
    } while (0)

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: api_test MODEL.param MODEL.bin\n"); return 2; }
    int dims, w, h, c;
    float buf[8];
    OctetNet *net = NULL;
    OctetExtractor *ex = NULL;
    OctetTensor *t = NULL;

    EXPECT(octet_version() != NULL && strlen(octet_version()) > 0);

    /* Null handles and out-pointers. */
    EXPECT(octet_net_create(NULL) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(strlen(octet_last_error()) > 0);
    EXPECT(octet_net_set_threads(NULL, 2) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_net_set_cpu_affinity(NULL, NULL, 0) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_net_set_int8(NULL, 1) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_net_set_low_memory(NULL, 1) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_net_load_files(NULL, argv[1], argv[2], NULL) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_net_load_memory(NULL, "x", 1, (const uint8_t *)"x", 1, NULL, 0) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_extractor_create(NULL, &ex) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_extractor_set_input(NULL, "data", buf, 1, 1, 1, 1) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_extractor_extract(NULL, "data", buf, 8, &dims, &w, &h, &c) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_extractor_extract_tensor(NULL, "data", &t) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_tensor_shape(NULL, &dims, &w, &h, &c) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_tensor_data(NULL) == NULL);
    octet_net_destroy(NULL);
    octet_extractor_destroy(NULL);
    octet_tensor_destroy(NULL);

    /* Invalid arguments on a fresh net. */
    EXPECT(octet_net_create(&net) == OCTET_STATUS_OK && net != NULL);
    EXPECT(octet_net_set_threads(net, 0) == OCTET_STATUS_ERR_INVALID_ARG);
    EXPECT(octet_net_set_threads(net, -3) == OCTET_STATUS_ERR_INVALID_ARG);
    int bad_cpus[2] = {0, -1};
    EXPECT(octet_net_set_cpu_affinity(net, bad_cpus, 2) == OCTET_STATUS_ERR_INVALID_ARG);
    EXPECT(octet_net_set_cpu_affinity(net, NULL, 2) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_net_set_cpu_affinity(net, bad_cpus, -1) == OCTET_STATUS_ERR_INVALID_ARG);
    EXPECT(octet_extractor_create(net, &ex) == OCTET_STATUS_ERR_STATE); /* nothing loaded */
    EXPECT(octet_extractor_create(net, NULL) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_net_load_files(net, NULL, argv[2], NULL) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_net_load_files(net, argv[1], NULL, NULL) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_net_load_files(net, "/nonexistent.param", argv[2], NULL) == OCTET_STATUS_ERR_IO);
    EXPECT(strstr(octet_last_error(), "/nonexistent.param") != NULL);
    EXPECT(octet_net_load_files(net, argv[1], argv[1], NULL) == OCTET_STATUS_ERR_BIN); /* a .param is no .bin */
    EXPECT(octet_net_load_files(net, argv[1], argv[2], "/nonexistent.table") == OCTET_STATUS_ERR_IO);
    EXPECT(octet_net_load_memory(net, "7767518\n", 8, (const uint8_t *)"", 0, NULL, 0) == OCTET_STATUS_ERR_PARAM);
    EXPECT(octet_net_load_memory(net, NULL, 8, (const uint8_t *)"", 0, NULL, 0) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_net_load_memory(net, "\xff\xfe", 2, (const uint8_t *)"", 0, NULL, 0) == OCTET_STATUS_ERR_PARAM);

    /* Load from files, then options are refused. */
    EXPECT(octet_net_set_threads(net, 2) == OCTET_STATUS_OK);
    EXPECT(octet_net_load_files(net, argv[1], argv[2], NULL) == OCTET_STATUS_OK);
    EXPECT(octet_net_set_threads(net, 1) == OCTET_STATUS_ERR_STATE);
    EXPECT(octet_net_set_low_memory(net, 1) == OCTET_STATUS_ERR_STATE);
    EXPECT(octet_net_load_files(net, argv[1], argv[2], NULL) == OCTET_STATUS_ERR_STATE);
    EXPECT(octet_extractor_create(net, &ex) == OCTET_STATUS_OK);

    /* Extractor argument checks. */
    float *input = calloc(3 * 227 * 227, sizeof(float));
    for (int i = 0; i < 3 * 227 * 227; i++) input[i] = (float)((i * 7919) % 255) / 127.5f - 1.0f;
    EXPECT(octet_extractor_set_input(ex, NULL, input, 3, 227, 227, 3) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_extractor_set_input(ex, "data", NULL, 3, 227, 227, 3) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_extractor_set_input(ex, "data", input, 3, 0, 227, 3) == OCTET_STATUS_ERR_INVALID_ARG);
    EXPECT(octet_extractor_set_input(ex, "data", input, 4, 227, 227, 3) == OCTET_STATUS_ERR_INVALID_ARG);
    EXPECT(octet_extractor_set_input(ex, "nope", input, 3, 227, 227, 3) == OCTET_STATUS_ERR_BLOB_NOT_FOUND);
    EXPECT(octet_extractor_set_input(ex, "data", input, 3, 227, 227, 1) == OCTET_STATUS_ERR_INPUT); /* wrong channels */
    EXPECT(octet_extractor_extract(ex, "output", buf, 8, &dims, &w, &h, &c) == OCTET_STATUS_ERR_INPUT); /* input not set */
    EXPECT(octet_extractor_set_input(ex, "data", input, 3, 227, 227, 3) == OCTET_STATUS_OK);
    EXPECT(octet_extractor_extract(ex, NULL, buf, 8, &dims, &w, &h, &c) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_extractor_extract(ex, "nope", buf, 8, &dims, &w, &h, &c) == OCTET_STATUS_ERR_BLOB_NOT_FOUND);
    EXPECT(octet_extractor_extract(ex, "output", buf, 8, &dims, &w, &h, &c) == OCTET_STATUS_ERR_BUFFER_TOO_SMALL);
    EXPECT(dims == 1 && w == 1000 && h == 1 && c == 1); /* the shape is written anyway */
    EXPECT(octet_extractor_extract(ex, "output", NULL, 1000, NULL, NULL, NULL, NULL) == OCTET_STATUS_ERR_NULL_ARG);
    float *prob = calloc(1000, sizeof(float));
    EXPECT(octet_extractor_extract(ex, "output", prob, 1000, NULL, NULL, NULL, NULL) == OCTET_STATUS_OK);
    float sum = 0;
    for (int i = 0; i < 1000; i++) sum += prob[i];
    EXPECT(sum > 0.99f && sum < 1.01f);
    EXPECT(strlen(octet_last_error()) == 0); /* cleared by a success */
    EXPECT(octet_extractor_extract_tensor(ex, "output", NULL) == OCTET_STATUS_ERR_NULL_ARG);
    EXPECT(octet_extractor_extract_tensor(ex, "output", &t) == OCTET_STATUS_OK);
    EXPECT(octet_tensor_shape(t, &dims, &w, NULL, NULL) == OCTET_STATUS_OK && dims == 1 && w == 1000);
    EXPECT(octet_tensor_data(t) != NULL && octet_tensor_data(t)[7] == prob[7]);
    octet_tensor_destroy(t);

    /* The extractor keeps the net alive after octet_net_destroy. */
    octet_net_destroy(net);
    EXPECT(octet_extractor_extract(ex, "output", prob, 1000, NULL, NULL, NULL, NULL) == OCTET_STATUS_OK);
    octet_extractor_destroy(ex);

    /* From memory: the same result. */
    size_t plen = 0, blen = 0;
    char *param = slurp(argv[1], &plen);
    char *bin = slurp(argv[2], &blen);
    EXPECT(param && bin);
    OctetNet *mem = NULL;
    EXPECT(octet_net_create(&mem) == OCTET_STATUS_OK);
    EXPECT(octet_net_set_int8(mem, 0) == OCTET_STATUS_OK);
    EXPECT(octet_net_set_low_memory(mem, 1) == OCTET_STATUS_OK);
    EXPECT(octet_net_load_memory(mem, param, plen, (const uint8_t *)bin, blen / 2, NULL, 0) == OCTET_STATUS_ERR_BIN); /* truncated */
    EXPECT(octet_net_load_memory(mem, param, plen, (const uint8_t *)bin, blen, "conv1 1\n", 8) == OCTET_STATUS_ERR_TABLE);
    EXPECT(octet_net_load_memory(mem, param, plen, (const uint8_t *)bin, blen, NULL, 0) == OCTET_STATUS_OK);
    free(param);
    free(bin); /* the buffers may go once loaded */
    OctetExtractor *ex2 = NULL;
    EXPECT(octet_extractor_create(mem, &ex2) == OCTET_STATUS_OK);
    EXPECT(octet_extractor_set_input(ex2, "data", input, 3, 227, 227, 3) == OCTET_STATUS_OK);
    float *prob2 = calloc(1000, sizeof(float));
    EXPECT(octet_extractor_extract(ex2, "output", prob2, 1000, NULL, NULL, NULL, NULL) == OCTET_STATUS_OK);
    EXPECT(memcmp(prob, prob2, 1000 * sizeof(float)) == 0);
    octet_extractor_destroy(ex2);
    octet_net_destroy(mem);
    free(prob);
    free(prob2);
    free(input);

    /* 4-D blobs: a (c=2, d=3, h=4, w=5) input reversed by Permute order 23
     * (output w, h, d, c = input c, d, h, w). */
    const char *p4 = "7767517\n2 2\nInput in0 0 1 in0 0=5 1=4 11=3 2=2\nPermute out 1 1 in0 out 0=23\n";
    OctetNet *n4 = NULL;
    OctetExtractor *e4 = NULL;
    OctetTensor *t4 = NULL;
    float in4[120];
    for (int i = 0; i < 120; i++) in4[i] = (float)i;
    EXPECT(octet_net_create(&n4) == OCTET_STATUS_OK);
    EXPECT(octet_net_load_memory(n4, p4, strlen(p4), (const uint8_t *)"", 0, NULL, 0) == OCTET_STATUS_OK);
    EXPECT(octet_extractor_create(n4, &e4) == OCTET_STATUS_OK);
    EXPECT(octet_extractor_set_input_4d(e4, "in0", in4, 4, 5, 4, 0, 2) == OCTET_STATUS_ERR_INVALID_ARG);
    EXPECT(octet_extractor_set_input_4d(e4, "in0", in4, 4, 5, 4, 3, 2) == OCTET_STATUS_OK);
    EXPECT(octet_extractor_extract_tensor(e4, "out", &t4) == OCTET_STATUS_OK);
    int d4 = 0;
    EXPECT(octet_tensor_shape_4d(t4, &dims, &w, &h, &d4, &c) == OCTET_STATUS_OK);
    EXPECT(dims == 4 && w == 2 && h == 3 && d4 == 4 && c == 5);
    EXPECT(octet_tensor_shape(t4, &dims, &w, &h, &c) == OCTET_STATUS_OK && h == 12); /* d folded into h */
    const float *o4 = octet_tensor_data(t4);
    for (int q = 0; q < 2; q++)
        for (int z = 0; z < 3; z++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 5; x++)
                    EXPECT(o4[((x * 4 + y) * 3 + z) * 2 + q] == in4[((q * 3 + z) * 4 + y) * 5 + x]);
    octet_tensor_destroy(t4);
    octet_extractor_destroy(e4);
    octet_net_destroy(n4);

    if (failures) { fprintf(stderr, "%d failures\n", failures); return 1; }
    printf("C API: all checks passed\n");
    return 0;
}
