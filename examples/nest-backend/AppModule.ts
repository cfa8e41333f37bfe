import { Module } from '@nestjs/common';
import { PrimesController } from './PrimesController';
import { PrimesService } from './PrimesService';

@Module({ controllers: [PrimesController], providers: [PrimesService] })
export class AppModule {}
