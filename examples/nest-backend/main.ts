// Starts the app: `node --import tsx examples/nest-backend/main.ts`, then
// `curl -N 'http://localhost:3000/primes?n=97,1000037,618970019642690137449562111'`.
import { NestFactory } from '@nestjs/core';
import { AppModule } from './AppModule';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  // SIGINT/SIGTERM → onApplicationShutdown → the pool shuts down.
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000));
}

void bootstrap();
