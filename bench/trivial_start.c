/* The start no program can beat: a C program that only returns, built
   with the same flags as vxnet's (PIE, full RELRO), so overlay_bench and
   bench/process_start.sh can set the hook's start beside it. */
int main(void) { return 0; }
