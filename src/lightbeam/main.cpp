// Placeholder until the CLI (issue 3) lands.
#include <cstdio>
int main() { std::puts("lightbeam: not built yet"); return 1; }
