#!/usr/bin/env node
import '../collector/cli.ts';
