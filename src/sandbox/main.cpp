// Placeholder until edfi-sandbox (issue 4) lands.
#include <cstdio>
int main() { std::puts("edfi-sandbox: not built yet"); return 1; }
