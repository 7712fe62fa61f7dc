import { killSuite } from './kill-suite';
import { CONVERT_ROWS } from './rows-convert';

killSuite('convert, killed', CONVERT_ROWS);
