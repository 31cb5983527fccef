# The Lathe engine addon. Sources are listed by scripts/list-sources.mjs: files ending _avx2.cc / _avx512.cc are compiled
# into their own static libraries with wider SIMD flags and chosen at run time (src/core/cpu_features.*); the rest
# must run on any x86-64 (or ARM) CPU. The Vulkan backend (src/vulkan/, gen/vk_shaders.cc) and its LATHE_HAVE_VULKAN
# define are listed only when scripts/build.mjs found the Vulkan headers and glslc (see scripts/vulkan-shaders.mjs).
{
  "variables": {
    "lathe_cflags": ["-O3", "-fno-math-errno", "-fPIC", "-Wall", "-Wno-unused-parameter", "-Wno-sign-compare", "-std=c++20"]
  },
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "LATHE_VERSION=\"0.1.0\""],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "conditions": [
      ["OS=='win'", { "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++20", "/O2"], "ExceptionHandling": 1 } } }],
      ["OS=='mac'", { "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++20", "GCC_ENABLE_CPP_EXCEPTIONS": "YES", "OTHER_CFLAGS": ["-O3"] } }]
    ]
  },
  "targets": [
    {
      "target_name": "lathe_avx2",
      "type": "static_library",
      "sources": ["<!@(node scripts/list-sources.mjs avx2)"],
      "cflags_cc": ["<@(lathe_cflags)", "-mavx2", "-mfma", "-mf16c"]
    },
    {
      "target_name": "lathe_avx512",
      "type": "static_library",
      "sources": ["<!@(node scripts/list-sources.mjs avx512)"],
      "cflags_cc": ["<@(lathe_cflags)", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mfma", "-mf16c"]
    },
    {
      "target_name": "lathe_native",
      "dependencies": ["lathe_avx2", "lathe_avx512"],
      "sources": ["<!@(node scripts/list-sources.mjs base)"],
      "defines": ["<!@(node scripts/list-sources.mjs defines)"],
      "include_dirs": ["<!@(node scripts/list-sources.mjs includes)"],
      "cflags_cc": ["<@(lathe_cflags)"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
