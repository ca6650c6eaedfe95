/* Classifies an image tensor with Octet's C API.
 *
 *   classify MODEL.param MODEL.bin INPUT.npy [INPUT_BLOB [OUTPUT_BLOB]]
 *
 * INPUT.npy: float32, shape (c, h, w), e.g. written by `octet run` tools or
 * numpy. Prints the top-5 classes as "index score". Build:
 *   cc -O2 -Icapi/include examples/c/classify.c target/release/liboctet.a -lpthread -ldl -lm -o classify
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octet.h"

/* Reads a little-endian float32 C-order .npy of 1 to 3 dimensions. */
static float *read_npy(const char *path, int *dims, int shape[3]) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char pre[10];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] != 1) { fclose(f); return NULL; }
    size_t hlen = pre[8] | (pre[9] << 8);
    char *header = calloc(hlen + 1, 1);
    if (!header || fread(header, 1, hlen, f) != hlen || !strstr(header, "'<f4'")) { free(header); fclose(f); return NULL; }
    char *s = strstr(header, "'shape': (");
    int n = 0;
    if (s) n = sscanf(s + 10, "%d, %d, %d", &shape[0], &shape[1], &shape[2]);
    free(header);
    if (n < 1) { fclose(f); return NULL; }
    *dims = n;
    size_t count = 1;
    for (int i = 0; i < n; i++) count *= (size_t)shape[i];
    float *data = malloc(count * sizeof(float));
    if (!data || fread(data, sizeof(float), count, f) != count) { free(data); data = NULL; }
    fclose(f);
    return data;
}

static void fail(const char *what, OctetStatus s) {
    fprintf(stderr, "%s failed (%d): %s\n", what, (int)s, octet_last_error());
    exit(1);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL.param MODEL.bin INPUT.npy [INPUT_BLOB [OUTPUT_BLOB]]\n", argv[0]);
        return 2;
    }
    const char *in_blob = argc > 4 ? argv[4] : "data";
    const char *out_blob = argc > 5 ? argv[5] : "output";
    int dims = 0, shape[3] = {1, 1, 1};
    float *input = read_npy(argv[3], &dims, shape);
    if (!input) { fprintf(stderr, "%s: cannot read a float32 .npy\n", argv[3]); return 1; }

    OctetNet *net = NULL;
    OctetStatus s = octet_net_create(&net);
    if (s != OCTET_STATUS_OK) fail("octet_net_create", s);
    if ((s = octet_net_load_files(net, argv[1], argv[2], NULL)) != OCTET_STATUS_OK) fail("octet_net_load_files", s);

    OctetExtractor *ex = NULL;
    if ((s = octet_extractor_create(net, &ex)) != OCTET_STATUS_OK) fail("octet_extractor_create", s);
    /* numpy order is (c, h, w); the API takes w, h, c. */
    int w = shape[dims - 1], h = dims > 1 ? shape[dims - 2] : 1, c = dims > 2 ? shape[0] : 1;
    if ((s = octet_extractor_set_input(ex, in_blob, input, dims, w, h, c)) != OCTET_STATUS_OK) fail("octet_extractor_set_input", s);

    OctetTensor *out = NULL;
    if ((s = octet_extractor_extract_tensor(ex, out_blob, &out)) != OCTET_STATUS_OK) fail("octet_extractor_extract_tensor", s);
    int od, ow, oh, oc;
    octet_tensor_shape(out, &od, &ow, &oh, &oc);
    const float *scores = octet_tensor_data(out);
    int n = ow * oh * oc;
    char *used = calloc((size_t)n, 1);
    for (int k = 0; k < 5 && k < n; k++) {
        int best = -1;
        for (int i = 0; i < n; i++)
            if (!used[i] && (best < 0 || scores[i] > scores[best])) best = i;
        used[best] = 1;
        printf("%d %.6f\n", best, scores[best]);
    }
    free(used);
    octet_tensor_destroy(out);
    octet_extractor_destroy(ex);
    octet_net_destroy(net);
    free(input);
    return 0;
}
