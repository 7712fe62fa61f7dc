import { killSuite } from './kill-suite';
import { RESIZE_ROWS } from './rows-resize';

killSuite('resize, killed', RESIZE_ROWS);
