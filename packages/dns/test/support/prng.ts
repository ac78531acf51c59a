export { seededRandom as mulberry32, randomBytesFrom as randomBytes } from '@gwsim/common';
