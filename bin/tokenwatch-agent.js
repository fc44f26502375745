#!/usr/bin/env node
// npx --no-install tokenwatch-agent ... in a checkout (the release ships a single executable instead).
import '../agent/main.ts';
