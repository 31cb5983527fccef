# The Lathe engine addon. Kernels that need wider SIMD live in their own static libraries so each is
# compiled with its own -m flags and chosen at run time (native/src/core/cpu_features.*).
{
  "variables": { "lathe_cflags": ["-O3", "-fno-math-errno", "-fPIC", "-Wall", "-Wno-unused-parameter", "-Wno-sign-compare"] },
  "targets": [
    {
      "target_name": "lathe_native",
      "sources": [
        "src/addon/addon.cc",
        "src/addon/system.cc",
        "src/core/cpu_features.cc",
        "src/core/platform.cc",
        "src/cuda/cuda_loader.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "LATHE_VERSION=\"0.1.0\""],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++20", "<@(lathe_cflags)"],
      "cflags": ["<@(lathe_cflags)"],
      "libraries": ["-ldl", "-lpthread"],
      "conditions": [
        ["OS=='win'", { "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++20", "/O2"], "ExceptionHandling": 1 } } }],
        ["OS=='mac'", { "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++20", "GCC_ENABLE_CPP_EXCEPTIONS": "YES", "OTHER_CFLAGS": ["-O3"] } }]
      ]
    }
  ]
}
